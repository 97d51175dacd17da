// The delivery ledger of the outbox: one row per message (by its dedupe key) saying whether
// it was sent, is being sent (by whom, until when), or was given up on; plus the
// conversations Teams blocked, and a dead-letter copy of messages that could not go.
// Claims are ETag-checked, so of several instances holding the same message one sends it.
import { createHash } from 'node:crypto';
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type DeliveryStatus = 'sending' | 'sent' | 'dead';

type DeliveryEntity = {
  Status: DeliveryStatus;
  Holder: string;
  /** While sending: when the claim runs out (the holder is presumed dead after it). */
  ClaimedUntil: string;
  ActivityId: string;
  Attempts: number;
  Detail: string;
  UpdatedAt: string;
};

export type ClaimResult = 'claimed' | 'sent' | 'dead' | 'busy';

/** 'go': send this version; 'superseded': a newer one was or is being sent; 'busy': an older one is being sent. */
export type CardTurn = 'go' | 'superseded' | 'busy';

type CardVersionEntity = { Sent: number; Sending: number; Holder: string; ClaimedUntil: string };

/** One card (a posted message) per row: its conversation and activity, hashed to a short key. */
const cardRowKey = (conversationId: string, activityId: string) =>
  createHash('sha256').update(`${conversationId}\n${activityId}`).digest('base64url');

/** How long this instance trusts its copy of a tenant's blocked conversations. */
const BLOCKED_CACHE_MS = 30_000;

export class DeliveryLedger extends TableRepository<DeliveryEntity> {
  /** The row this instance claimed, per key, so marking it sent is one write. */
  private readonly claimed = new Map<string, { row: DeliveryEntity; etag: string }>();
  private readonly blockedByTenant = new Map<string, { at: number; ids: Promise<Set<string>> }>();

  constructor(
    store: TableStore,
    private readonly holder: string,
  ) {
    super(store, 'Deliveries');
  }

  /**
   * Claims the right to send `key` for `claimMs`. 'sent' / 'dead': nothing to do; 'busy':
   * another instance is sending it right now (ask again after its claim runs out).
   */
  async claim(tenantId: string, key: string, claimMs: number, now = this.store.clock()): Promise<ClaimResult> {
    const partition = tenantPartition(tenantId, 'deliveries');
    const row: DeliveryEntity = {
      Status: 'sending',
      Holder: this.holder,
      ClaimedUntil: new Date(now.getTime() + claimMs).toISOString(),
      ActivityId: '',
      Attempts: 1,
      Detail: '',
      UpdatedAt: now.toISOString(),
    };
    try {
      this.claimed.set(`${tenantId}\n${key}`, { row, etag: await this.createRow(partition, key, row) });
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const current = await this.getRow(partition, key);
    if (!current) return 'busy'; // deleted between the two calls: the next attempt creates it
    if (current.value.Status === 'sent' || current.value.Status === 'dead') return current.value.Status;
    if (Date.parse(current.value.ClaimedUntil) > now.getTime()) return 'busy';
    try {
      // The holder's claim ran out (it crashed, or is stuck): take over. This is the window
      // in which a message can go twice: the old holder may have sent before dying.
      const takeover = { ...row, Attempts: current.value.Attempts + 1 };
      this.claimed.set(`${tenantId}\n${key}`, { row: takeover, etag: await this.replaceRow(partition, key, takeover, current.etag) });
      return 'claimed';
    } catch (error) {
      if (error instanceof ConcurrencyError) return 'busy';
      throw error;
    }
  }

  /**
   * Updates of one card go out in version order, one at a time: a version is sent only if no
   * newer one was sent or is being sent, and not while an older one is on its way (it would
   * land after). The row keeps the newest version sent and who is sending which, until when.
   */
  async claimCardVersion(
    tenantId: string,
    card: { conversationId: string; activityId: string },
    version: number,
    claimMs: number,
    now = this.store.clock(),
  ): Promise<CardTurn> {
    const partition = tenantPartition(tenantId, 'card-versions');
    const rowKey = cardRowKey(card.conversationId, card.activityId);
    const mine: CardVersionEntity = {
      Sent: -1,
      Sending: version,
      Holder: this.holder,
      ClaimedUntil: new Date(now.getTime() + claimMs).toISOString(),
    };
    const current = await this.cards().getRow(partition, rowKey);
    try {
      if (!current) {
        await this.cards().createRow(partition, rowKey, mine);
        return 'go';
      }
      const row = current.value;
      if (row.Sent >= version) return 'superseded';
      const inFlight = row.ClaimedUntil !== '' && Date.parse(row.ClaimedUntil) > now.getTime() && row.Sending > row.Sent;
      if (inFlight && !(row.Holder === this.holder && row.Sending === version)) return row.Sending > version ? 'superseded' : 'busy';
      await this.cards().replaceRow(partition, rowKey, { ...mine, Sent: row.Sent }, current.etag);
      return 'go';
    } catch (error) {
      if (error instanceof ConcurrencyError) return 'busy';
      throw error;
    }
  }

  /** After sending `version` (sent) or failing to (not sent): frees the card for the next one. */
  async finishCardVersion(
    tenantId: string,
    card: { conversationId: string; activityId: string },
    version: number,
    sent: boolean,
  ): Promise<void> {
    const partition = tenantPartition(tenantId, 'card-versions');
    const rowKey = cardRowKey(card.conversationId, card.activityId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.cards().getRow(partition, rowKey);
      if (!current) return;
      const row = current.value;
      const ours = row.Holder === this.holder && row.Sending === version;
      const next = {
        ...row,
        Sent: sent ? Math.max(row.Sent, version) : row.Sent,
        ...(ours && { ClaimedUntil: '' }),
      };
      if (next.Sent === row.Sent && next.ClaimedUntil === row.ClaimedUntil) return;
      try {
        await this.cards().replaceRow(partition, rowKey, next, current.etag);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
  }

  private cardVersions: CardVersionRows | undefined;
  private cards(): CardVersionRows {
    return (this.cardVersions ??= new CardVersionRows(this.store));
  }

  async markSent(tenantId: string, key: string, activityId: string | undefined, now = this.store.clock()): Promise<void> {
    const mine = this.claimed.get(`${tenantId}\n${key}`);
    this.claimed.delete(`${tenantId}\n${key}`);
    if (mine) {
      try {
        await this.replaceRow(
          tenantPartition(tenantId, 'deliveries'),
          key,
          { ...mine.row, Status: 'sent', ActivityId: activityId ?? '', UpdatedAt: now.toISOString() },
          mine.etag,
        );
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error; // someone took over meanwhile: record it anyway, below
      }
    }
    await this.finish(tenantId, key, { Status: 'sent', ActivityId: activityId ?? '', UpdatedAt: now.toISOString() });
  }

  /** Gives up on a message (kept for the admins), so no instance tries it again. */
  async markDead(tenantId: string, key: string, detail: string, body: unknown, now = this.store.clock()): Promise<void> {
    await this.finish(tenantId, key, { Status: 'dead', Detail: detail.slice(0, 1000), UpdatedAt: now.toISOString() });
    await this.putRow(tenantPartition(tenantId, 'dead-letters'), key, {
      Status: 'dead',
      Holder: this.holder,
      ClaimedUntil: '',
      ActivityId: '',
      Attempts: 0,
      Detail: JSON.stringify({ reason: detail.slice(0, 1000), body }).slice(0, 30_000),
      UpdatedAt: now.toISOString(),
    });
  }

  /** Releases a claim without sending (to be tried again later, by any instance). */
  async release(tenantId: string, key: string): Promise<void> {
    const partition = tenantPartition(tenantId, 'deliveries');
    const current = await this.getRow(partition, key);
    if (current?.value.Status === 'sending' && current.value.Holder === this.holder) {
      await this.replaceRow(partition, key, { ...current.value, ClaimedUntil: new Date(0).toISOString() }, current.etag).catch(
        () => undefined,
      );
    }
  }

  async status(
    tenantId: string,
    key: string,
  ): Promise<{ status: DeliveryStatus; activityId?: string; attempts: number; detail?: string } | undefined> {
    const row = (await this.getRow(tenantPartition(tenantId, 'deliveries'), key))?.value;
    return (
      row && {
        status: row.Status,
        ...(row.ActivityId && { activityId: row.ActivityId }),
        attempts: row.Attempts,
        ...(row.Detail && { detail: row.Detail }),
      }
    );
  }

  async deadLetters(tenantId: string): Promise<{ key: string; detail: string; at: string }[]> {
    const found: { key: string; detail: string; at: string }[] = [];
    for await (const s of this.partitionRows(tenantPartition(tenantId, 'dead-letters')))
      found.push({ key: s.rowKey, detail: s.value.Detail, at: s.value.UpdatedAt });
    return found;
  }

  /** Teams answered 403 MessageWritesBlocked: stop sending there. True the first time (tell the admins once). */
  async block(tenantId: string, conversationId: string, now = this.store.clock()): Promise<boolean> {
    this.blockedByTenant.delete(tenantId);
    try {
      await this.createRow(tenantPartition(tenantId, 'blocked'), conversationId, {
        Status: 'dead',
        Holder: this.holder,
        ClaimedUntil: '',
        ActivityId: '',
        Attempts: 0,
        Detail: 'MessageWritesBlocked',
        UpdatedAt: now.toISOString(),
      });
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false;
      throw error;
    }
  }

  /** From a copy of the tenant's blocked list at most 30 s old (one query per tenant, not one per message). */
  async isBlocked(tenantId: string, conversationId: string, now = this.store.clock().getTime()): Promise<boolean> {
    let cached = this.blockedByTenant.get(tenantId);
    if (!cached || now - cached.at > BLOCKED_CACHE_MS) {
      cached = { at: now, ids: this.loadBlocked(tenantId) };
      this.blockedByTenant.set(tenantId, cached);
      cached.ids.catch(() => this.blockedByTenant.delete(tenantId));
    }
    return (await cached.ids).has(conversationId);
  }

  private async loadBlocked(tenantId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const item of this.partitionRows(tenantPartition(tenantId, 'blocked'))) ids.add(item.rowKey);
    return ids;
  }

  private async finish(tenantId: string, key: string, change: Partial<DeliveryEntity>): Promise<void> {
    const partition = tenantPartition(tenantId, 'deliveries');
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getRow(partition, key);
      const next: DeliveryEntity = {
        Status: 'sending',
        Holder: this.holder,
        ClaimedUntil: '',
        ActivityId: '',
        Attempts: 1,
        Detail: '',
        UpdatedAt: '',
        ...current?.value,
        ...change,
      };
      try {
        if (current) await this.replaceRow(partition, key, next, current.etag);
        else await this.createRow(partition, key, next);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    throw new ConcurrencyError(`delivery ${key}: could not record its outcome`);
  }
}

/** The card-version rows (same table as the ledger), with the row helpers made callable here. */
class CardVersionRows extends TableRepository<CardVersionEntity> {
  constructor(store: TableStore) {
    super(store, 'Deliveries');
  }

  override getRow(partition: string, rowKey: string) {
    return super.getRow(partition, rowKey);
  }

  override createRow(partition: string, rowKey: string, value: CardVersionEntity) {
    return super.createRow(partition, rowKey, value);
  }

  override replaceRow(partition: string, rowKey: string, value: CardVersionEntity, etag: string) {
    return super.replaceRow(partition, rowKey, value, etag);
  }
}
