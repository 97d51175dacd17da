// Where spend alerts go: the chosen channel (one post, keyed by the alert), or, with no channel
// or an unknown one, each admin's 1:1 chat with the hint to type `alerts here`.
import { describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/bot/cards.js';
import { createLogger } from '../../src/logger.js';
import { AdminCards } from '../../src/notify/admin-cards.js';
import { SpendAlertCards } from '../../src/notify/spend-alert-cards.js';
import type { OutboxMessenger } from '../../src/notify/outbox-messenger.js';
import { RoleService } from '../../src/services/roles.js';
import type { AnomalyNotice } from '../../src/services/spend-alerts.js';
import type { ConversationReferences } from '../../src/storage/conversation-references.js';
import { cardText } from '../harness/bot-harness.js';

const TENANT = 'd0000000-0000-4000-8000-000000000001';
const ADMINS = ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002'];

function world(known: { channels: string[]; admins: string[] }) {
  const posts: { conversationId: string; key: string; text: string }[] = [];
  const messenger = {
    async postCard(reference: { conversation?: { id: string } }, card: Record<string, unknown>, options: { key?: string }) {
      posts.push({ conversationId: reference.conversation!.id, key: options.key ?? '', text: cardText(card) });
      return 'activity-1';
    },
  } as unknown as OutboxMessenger;
  const saved = (id: string) => ({
    tenantId: TENANT,
    conversationId: id,
    conversationType: 'x',
    reference: { conversation: { id } },
    updatedAt: '',
  });
  const conversations = {
    async get(_tenantId: string, id: string) {
      return known.channels.includes(id) ? saved(id) : undefined;
    },
    async personalChatOf(_tenantId: string, aadObjectId: string) {
      return known.admins.includes(aadObjectId) ? saved(`a:chat-${aadObjectId}`) : undefined;
    },
  } as unknown as ConversationReferences;
  const roles = new RoleService(ADMINS.map((aadObjectId) => ({ tenantId: TENANT, aadObjectId })));
  const log = createLogger('silent');
  const cards = new CardRenderer();
  const adminCards = new AdminCards({ messenger, conversations, roles, cards, log });
  return { posts, delivery: new SpendAlertCards({ messenger, conversations, adminCards, cards, log }) };
}

const notice: AnomalyNotice = {
  tenantId: TENANT,
  key: 'anomaly|AWS|111122223333|AWS%20Lambda|2026-03-15',
  anomaly: {
    ProviderName: 'AWS',
    BillingAccountId: '111122223333',
    SubAccountId: '111122223333',
    ServiceName: 'AWS Lambda',
    day: '2026-03-15',
    amount: { amount: '48.27', currency: 'USD' },
    baseline: { amount: '3.20', currency: 'USD' },
    change: { amount: '45.07', currency: 'USD' },
    changePercent: 1408.4,
    key: 'k',
  },
};

describe('spend alert delivery', () => {
  it('posts once to the channel, keyed by the alert', async () => {
    const { posts, delivery } = world({ channels: ['19:cloud'], admins: ADMINS });
    expect(await delivery.anomalyAlert(notice, '19:cloud')).toBe(1);
    expect(posts).toEqual([
      { conversationId: '19:cloud', key: `spend|${notice.key}`, text: expect.stringContaining('AWS Lambda cost 48.27 USD on 2026-03-15') },
    ]);
    expect(posts[0]!.text).toContain('+45.07 USD (+1408.4 %)');
    expect(posts[0]!.text).not.toContain('alerts here');
  });

  it('falls back to the admins reachable in 1:1, with the `alerts here` hint, when no channel is known', async () => {
    const { posts, delivery } = world({ channels: [], admins: [ADMINS[0]!] });
    expect(await delivery.anomalyAlert(notice, '19:gone')).toBe(1);
    expect(posts.map((p) => p.conversationId)).toEqual([`a:chat-${ADMINS[0]}`]);
    expect(posts[0]!.key).toBe(`spend|${notice.key}|${ADMINS[0]}`);
    expect(posts[0]!.text).toContain('Type **alerts here** in a team channel');
  });

  it('reports nobody reached when there is no channel and no admin chat', async () => {
    const { posts, delivery } = world({ channels: [], admins: [] });
    expect(await delivery.anomalyAlert(notice, undefined)).toBe(0);
    expect(posts).toEqual([]);
  });
});
