// End-to-end harness: a real Quartermaster (restify + CloudAdapter + teams-ai + Azurite
// tables) on a free port, a loopback connector that captures what it sends, and a
// scripted conversation so tests read like a chat:
//
//   const chat = harness.personalChat(ALEX);
//   const [reply] = await chat.say('help');
//   expect(cardText(reply)).toContain('What I can do');
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startQuartermaster, type Quartermaster, type ResolvedConfig } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { LoopbackConnector, type SentActivity } from './loopback-connector.js';

export const TENANT = '11111111-1111-1111-1111-111111111111';
export const OTHER_TENANT = '22222222-2222-2222-2222-222222222222';
export const BOT = { id: '28:quartermaster-test-bot', name: 'Quartermaster' };

export interface TestUser {
  id: string;
  name: string;
  aadObjectId: string;
  tenantId: string;
}

export const ALEX: TestUser = { id: '29:alex', name: 'Alex Wilber', aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', tenantId: TENANT };
export const MEGAN: TestUser = { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000002', tenantId: TENANT };
/** Admin of TENANT in every harness unless a test says otherwise. */
export const PATTI: TestUser = { id: '29:patti', name: 'Patti Fernandez', aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000003', tenantId: TENANT };

export interface HttpResult {
  status: number;
  body: any;
}

export class BotHarness {
  private constructor(
    readonly qm: Quartermaster,
    readonly connector: LoopbackConnector,
    readonly config: ResolvedConfig,
  ) {}

  static async start(overrides: Partial<ResolvedConfig> = {}): Promise<BotHarness> {
    const config: ResolvedConfig = {
      environment: 'test',
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      shutdownTimeoutMs: 5000,
      bot: { appType: 'SingleTenant' },
      storage: { kind: 'connection-string', connectionString: inject('storageConnectionString') },
      tablePrefix: `t${randomBytes(5).toString('hex')}`,
      bootstrapAdmins: [{ tenantId: TENANT, aadObjectId: PATTI.aadObjectId }],
      ...overrides,
    };
    const connector = new LoopbackConnector();
    await connector.start();
    const qm = await startQuartermaster(config, createLogger(config.logLevel));
    return new BotHarness(qm, connector, config);
  }

  async stop(): Promise<void> {
    await this.qm.stop();
    await this.connector.stop();
  }

  /** A 1:1 chat between the bot and `user`. */
  personalChat(user: TestUser): TestConversation {
    return new TestConversation(this, user, { id: `a:personal-${user.id}`, conversationType: 'personal', tenantId: user.tenantId });
  }

  /** A channel of a team, where `user` talks to the bot. */
  channel(user: TestUser, teamName = 'Finance'): TestConversation {
    return new TestConversation(this, user, { id: `19:channel-${teamName}@thread.tacv2`, conversationType: 'channel', tenantId: user.tenantId, name: 'General' }, { team: { id: `19:team-${teamName}`, name: teamName } });
  }

  /** POSTs any body to /api/messages, as Teams (or an attacker) would. */
  async post(body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const response = await fetch(`${this.qm.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  async get(path: string): Promise<HttpResult> {
    const response = await fetch(`${this.qm.url}${path}`);
    return { status: response.status, body: await response.json() };
  }
}

export class TestConversation {
  private counter = 0;

  constructor(
    private readonly harness: BotHarness,
    readonly user: TestUser,
    readonly conversation: { id: string; conversationType: string; tenantId: string; name?: string },
    private readonly extraChannelData: Record<string, unknown> = {},
  ) {}

  /** The activity Teams would send, before any test-specific change. */
  activity(fields: Record<string, unknown>): Record<string, any> {
    return {
      id: `in-${++this.counter}-${randomBytes(3).toString('hex')}`,
      channelId: 'msteams',
      serviceUrl: this.harness.connector.url,
      timestamp: new Date().toISOString(),
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      recipient: BOT,
      conversation: this.conversation,
      channelData: { tenant: { id: this.user.tenantId }, ...this.extraChannelData },
      locale: 'en-US',
      ...fields,
    };
  }

  /** Sends a message; returns what the bot sent to this conversation during the turn. */
  async say(text: string): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'message', text }))).sent;
  }

  /** The bot is added to this conversation (install, or added to a team). */
  async install(): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'conversationUpdate', membersAdded: [{ id: BOT.id }, { id: this.user.id }] }))).sent;
  }

  async uninstall(): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'conversationUpdate', membersRemoved: [{ id: BOT.id }] }))).sent;
  }

  /** Clicks an Action.Execute button; returns the invoke response body and what was sent. */
  async click(verb: string, data: Record<string, unknown> = {}, replyToId = 'card-1'): Promise<{ status: number; body: any; sent: Record<string, any>[] }> {
    const { response, sent } = await this.send(
      this.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId, value: { action: { type: 'Action.Execute', id: verb, verb, data }, trigger: 'manual' } }),
    );
    return { ...response, sent };
  }

  async send(activity: Record<string, unknown>): Promise<{ response: HttpResult; sent: Record<string, any>[] }> {
    const before = this.harness.connector.sent.length;
    const response = await this.harness.post(activity);
    const sent = this.harness.connector.sent
      .slice(before)
      .filter((s: SentActivity) => s.conversationId === this.conversation.id)
      .map((s) => s.activity);
    return { response, sent };
  }
}

/** The Adaptive Card of a sent message (first attachment), or undefined. */
export function cardOf(activity: Record<string, any> | undefined): Record<string, any> | undefined {
  return activity?.attachments?.find((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** All the text a card shows, joined, so tests can assert on what a person reads. */
export function cardText(cardOrActivity: Record<string, any> | undefined): string {
  const card = cardOrActivity?.type === 'AdaptiveCard' ? cardOrActivity : cardOf(cardOrActivity);
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'text' || key === 'title' || key === 'value') && typeof value === 'string') texts.push(value);
        else walk(value);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}
