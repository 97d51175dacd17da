// End-to-end harness: a real Quartermaster (restify + CloudAdapter + teams-ai + Azurite
// tables) on a free port, a loopback connector that captures what it sends, and a
// scripted conversation so tests read like a chat:
//
//   const chat = harness.personalChat(ALEX);
//   const [reply] = await chat.say('help');
//   expect(cardText(reply)).toContain('What I can do');
import { testClock } from './clock.js';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startQuartermaster, type Quartermaster, type ResolvedConfig } from '../../src/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createConnectors, type SandboxEndpoints } from '../../src/connectors/index.js';
import { DEMO_GROUPS, DEMO_TENANT_ID, DEMO_USERS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { LoopbackConnector, type SentActivity } from './loopback-connector.js';
import { TEST_SECRET_KEYS, TEST_START_OPTIONS } from './start-options.js';

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
export const MEGAN: TestUser = {
  id: '29:megan',
  name: 'Megan Bowen',
  aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000002',
  tenantId: TENANT,
};
/** Admin of TENANT in every harness unless a test says otherwise. */
export const PATTI: TestUser = {
  id: '29:patti',
  name: 'Patti Fernandez',
  aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000003',
  tenantId: TENANT,
};

/** The sandbox's demo tenant (the Playground's): directory users with managers and groups. */
const demoUser = (key: keyof typeof DEMO_USERS): TestUser => ({
  id: `29:demo-${key}`,
  name: DEMO_USERS[key].displayName,
  aadObjectId: DEMO_USERS[key].id,
  tenantId: DEMO_TENANT_ID,
});
export const DEMO = {
  alex: demoUser('alex'), // requester; manager Adele; an admin
  megan: demoUser('megan'), // member of "License approvers"
  adele: demoUser('adele'), // Alex's manager
  isaiah: demoUser('isaiah'),
  patti: demoUser('patti'), // an admin
  lynne: demoUser('lynne'), // no usage location
};

export interface HttpResult {
  status: number;
  body: any;
}

/** The configuration every test instance starts from: loopback, authentication off, the demo tenant's admins. */
export function testConfig(overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    environment: 'test',
    host: '127.0.0.1',
    port: 0,
    logLevel: (process.env.TEST_LOG_LEVEL as ResolvedConfig['logLevel'] | undefined) ?? 'silent',
    shutdownTimeoutMs: 5000,
    bot: { appType: 'SingleTenant' },
    // Outside vitest (npm run bench) the caller passes its own storage.
    storage: overrides.storage ?? { kind: 'connection-string', connectionString: inject('storageConnectionString') },
    tablePrefix: `t${randomBytes(5).toString('hex')}`,
    secretKeys: TEST_SECRET_KEYS,
    bootstrapAdmins: [
      { tenantId: TENANT, aadObjectId: PATTI.aadObjectId },
      { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO.alex.aadObjectId },
      { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO.patti.aadObjectId },
    ],
    connectors: { mode: 'sandbox' },
    // Low second-stage threshold so that one Visio seat (15 USD) needs manager and group.
    policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '10', approverGroupId: DEMO_GROUPS.licenseApprovers },
    ...overrides,
  };
}

export class BotHarness {
  private constructor(
    readonly qm: Quartermaster,
    readonly connector: LoopbackConnector,
    readonly config: ResolvedConfig,
    private readonly localSandbox: Sandbox | undefined,
  ) {}

  /** The loopback Partner Center / Graph / login emulators this bot talks to (in this process). */
  get sandbox(): Sandbox {
    if (!this.localSandbox)
      throw new Error('this bot talks to a sandbox in another process (remoteSandbox): its state is not reachable here');
    return this.localSandbox;
  }

  /**
   * A second instance for the same storage (pass `tablePrefix`) can share the first one's
   * sandbox and connector, so conversation references saved by either stay reachable.
   * `remoteSandbox`: the endpoints of a sandbox another process runs (the bench's), instead.
   */
  static async start(
    overrides: Partial<ResolvedConfig> = {},
    options: {
      instanceName?: string;
      sandbox?: Sandbox;
      remoteSandbox?: SandboxEndpoints;
      sandboxOptions?: Parameters<typeof startSandbox>[0];
      connector?: LoopbackConnector;
      startWorkers?: boolean;
      log?: Logger;
      /** Check the stored connections against the sandbox at start, as `npm start` does (off by default in tests). */
      recheckConnectionsAtStart?: boolean;
    } = {},
  ): Promise<BotHarness> {
    const config = testConfig(overrides);
    const connector = options.connector ?? new LoopbackConnector();
    if (!options.connector) await connector.start();
    const ownSandbox = !options.sandbox && !options.remoteSandbox;
    const sandbox = options.remoteSandbox
      ? undefined
      : (options.sandbox ?? (await startSandbox({ clock: testClock, ...options.sandboxOptions })));
    const endpoints: SandboxEndpoints = options.remoteSandbox ?? sandbox!;
    const log = options.log ?? createLogger(config.logLevel);
    // Fast retries: tests inject 429s and 500s and should not wait seconds for each.
    // Partner Center and the marketplace routed together, as `npm start` runs them.
    const connectors = createConnectors(
      {
        mode: 'sandbox',
        sandbox: { ...endpoints, marketplaceRouting: true },
        retry: { minDelayMs: 20, maxDelayMs: 200 },
        clock: testClock,
      },
      log,
    );
    const qm = await startQuartermaster(config, log, {
      ...TEST_START_OPTIONS,
      connectors,
      clock: testClock,
      ...(options.instanceName && { instanceName: options.instanceName }),
      ...(options.startWorkers === false && { startWorkers: false }),
      ...(options.recheckConnectionsAtStart && { recheckConnectionsAtStart: true }),
    });
    // Free text is understood once the model has trained (a fraction of a second after start).
    await qm.languageReady;
    const harness = new BotHarness(qm, connector, config, sandbox);
    harness.ownSandbox = ownSandbox;
    harness.ownConnector = !options.connector;
    return harness;
  }

  private ownSandbox = true;
  private ownConnector = true;

  async stop(): Promise<void> {
    await this.qm.stop();
    if (this.ownConnector) await this.connector.stop();
    if (this.ownSandbox) await this.localSandbox?.stop();
  }

  /** Resolves once this instance's queues are empty and nothing is in hand (see Quartermaster.drain). */
  drain(timeoutMs?: number): Promise<void> {
    return this.qm.drain(timeoutMs);
  }

  /** Waits until `predicate` holds (fulfilment runs from a queue, after the click returns). */
  async until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Everything the bot sent to this person's 1:1 chat so far. */
  sentTo(user: TestUser): Record<string, any>[] {
    return this.connector.sent.filter((s) => s.conversationId === `a:personal-${user.id}` && s.method === 'POST').map((s) => s.activity);
  }

  /** Card updates (PUT) the bot made in this person's 1:1 chat. */
  updatesIn(user: TestUser): SentActivity[] {
    return this.connector.sent.filter((s) => s.conversationId === `a:personal-${user.id}` && s.method === 'PUT');
  }

  /** A 1:1 chat between the bot and `user`. */
  personalChat(user: TestUser): TestConversation {
    return new TestConversation(this, user, { id: `a:personal-${user.id}`, conversationType: 'personal', tenantId: user.tenantId });
  }

  /**
   * The General channel of a team, where `user` talks to the bot. With `asTeamsSendsMessages`,
   * the activities carry ids only, as Teams' messages do, and the names come from the
   * connector's team API.
   */
  channel(user: TestUser, teamName = 'Finance', options: { asTeamsSendsMessages?: boolean } = {}): TestConversation {
    const [teamId, channelId] = [`19:team-${teamName}`, `19:channel-${teamName}@thread.tacv2`];
    this.connector.teams.set(teamId, {
      name: teamName,
      channels: [{ id: channelId }, { id: `19:other-${teamName}@thread.tacv2`, name: 'Announcements' }],
    });
    if (options.asTeamsSendsMessages) {
      return new TestConversation(
        this,
        user,
        { id: channelId, conversationType: 'channel', tenantId: user.tenantId },
        { team: { id: teamId }, channel: { id: channelId } },
      );
    }
    return new TestConversation(
      this,
      user,
      { id: channelId, conversationType: 'channel', tenantId: user.tenantId, name: 'General' },
      { team: { id: teamId, name: teamName } },
    );
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
      timestamp: testClock().toISOString(),
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      recipient: BOT,
      conversation: this.conversation,
      channelData: { tenant: { id: this.user.tenantId }, ...this.extraChannelData },
      locale: 'en-US',
      ...fields,
    };
  }

  /** Sends a message; returns what the bot sent to this conversation during the turn (typing indicators left out). */
  async say(text: string): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'message', text }))).sent.filter((a) => a.type !== 'typing');
  }

  /** The bot is added to this conversation (install, or added to a team). */
  async install(): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'conversationUpdate', membersAdded: [{ id: BOT.id }, { id: this.user.id }] }))).sent;
  }

  async uninstall(): Promise<Record<string, any>[]> {
    return (await this.send(this.activity({ type: 'conversationUpdate', membersRemoved: [{ id: BOT.id }] }))).sent;
  }

  /** Clicks an Action.Execute button; returns the invoke response body and what was sent. */
  async click(
    verb: string,
    data: Record<string, unknown> = {},
    replyToId = 'card-1',
  ): Promise<{ status: number; body: any; sent: Record<string, any>[] }> {
    const { response, sent } = await this.send(
      this.activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId,
        value: { action: { type: 'Action.Execute', id: verb, verb, data }, trigger: 'manual' },
      }),
    );
    return { ...response, sent };
  }

  /** Posts an activity; `sent` is what the bot said in this conversation meanwhile (typing indicators left out). */
  async send(activity: Record<string, unknown>): Promise<{ response: HttpResult; sent: Record<string, any>[] }> {
    const before = this.harness.connector.sent.length;
    const response = await this.harness.post(activity);
    const sent = this.harness.connector.sent
      .slice(before)
      .filter((s: SentActivity) => s.conversationId === this.conversation.id)
      .map((s) => s.activity)
      // teams-ai shows "typing" when a turn takes over a second: an indicator, not a reply.
      .filter((a) => a.type !== 'typing');
    return { response, sent };
  }
}

/** The Adaptive Card of a sent message (first attachment), or undefined. */
export function cardOf(activity: Record<string, any> | undefined): Record<string, any> | undefined {
  return activity?.attachments?.find((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

export interface CardAction {
  type: string;
  title: string;
  url?: string;
  verb?: string;
  data?: Record<string, any>;
}

/** Every action of a card (Action.Execute, Action.OpenUrl, …), wherever it sits. */
export function cardActions(card: unknown): CardAction[] {
  const found: CardAction[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const type = (node as { type?: unknown }).type;
      if (typeof type === 'string' && type.startsWith('Action.')) found.push(node as CardAction);
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** The message of an error invoke response (what Teams shows under the card). */
export const invokeErrorMessage = (body: any): string => body?.value?.message ?? '';

/** All the text a card shows, joined, so tests can assert on what a person reads (escapes undone, as Teams shows them). */
export function cardText(cardOrActivity: Record<string, any> | undefined): string {
  const card = cardOrActivity?.type === 'AdaptiveCard' ? cardOrActivity : cardOf(cardOrActivity);
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        // Backslash escapes (user text, src/domain/plain-text.ts) read as the plain character.
        if ((key === 'text' || key === 'title' || key === 'value') && typeof value === 'string')
          texts.push(value.replace(/\\([!-/:-@[-`{-~])/g, '$1'));
        else walk(value);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}

/** The input of a card with this id (Input.Text, Input.Number, ...), wherever it sits. */
export function inputOf(card: unknown, id: string): Record<string, any> {
  let found: Record<string, any> | undefined;
  const walk = (node: unknown) => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, any>;
      if (String(element.type).startsWith('Input.') && element.id === id) found = element;
      else Object.values(element).forEach(walk);
    }
  };
  walk(card);
  if (!found) throw new Error(`The card has no input "${id}"`);
  return found;
}

/** The element right after the input with this id (where a form puts the field's message), or undefined. */
export function besideInput(card: unknown, id: string): Record<string, any> | undefined {
  let found: Record<string, any> | undefined;
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      const at = node.findIndex((e) => e && typeof e === 'object' && String(e.type).startsWith('Input.') && e.id === id);
      if (at >= 0) found = node[at + 1];
      node.forEach(walk);
    } else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(card);
  return found;
}
