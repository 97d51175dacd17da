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
  /** Keys this process is claiming or holds a claim on (from the claim until the message is settled). */
  private readonly inHand = new Set<string>();
  /** Keys this process sent but could not record as sent (storage down): never to be sent again from here. */
  private readonly sentUnrecorded = new Set<string>();
  private readonly blockedByTenant = new Map<string, { at: number; ids: Promise<Set<string>> }>();

  constructor(
    store: TableStore,
    private readonly holder: string,
  ) {
    super(store, 'Deliveries');
  }

  /**
   * Claims the right to send `key` for `claimMs`. 'sent' / 'dead': nothing to do; 'busy':
   * another instance is sending it right now (ask again after its claim runs out). Claims
   * made in the same moment in one tenant go to storage together (one transaction, see
   * group-commit.ts), so a fan-out's chunk is claimed in one call; each still gets its own answer.
   */
  async claim(tenantId: string, key: string, claimMs: number, now = this.store.clock()): Promise<ClaimResult> {
    const id = `${tenantId}\n${key}`;
    // Another copy of this message is being sent from here (a job enqueued twice).
    if (this.inHand.has(id)) return 'busy';
    this.inHand.add(id);
    const result = await this.claimRow(tenantId, key, claimMs, now).catch((error: unknown) => {
      this.inHand.delete(id);
      throw error;
    });
    if (result !== 'claimed') this.inHand.delete(id);
    return result;
  }

  /** This process is done with `key` (sent, given up on, handed back, or failed): a later claim here may take its row. */
  letGo(tenantId: string, key: string): void {
    this.inHand.delete(`${tenantId}\n${key}`);
    this.claimed.delete(`${tenantId}\n${key}`);
  }

  private async claimRow(tenantId: string, key: string, claimMs: number, now: Date): Promise<ClaimResult> {
    const partition = tenantPartition(tenantId, 'deliveries');
    const id = `${tenantId}\n${key}`;
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
      const [etag] = await this.transact(partition, [{ kind: 'create', rowKey: key, value: row }]);
      this.claimed.set(id, { row, etag: etag ?? '' });
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const current = await this.getRow(partition, key);
    if (!current) return 'busy'; // deleted between the two calls: the next attempt creates it
    if (current.value.Status === 'sent' || current.value.Status === 'dead') return current.value.Status;
    if (this.sentUnrecorded.has(id)) {
      // Sent from here while storage was down: record it now rather than send it again.
      await this.markSent(tenantId, key, undefined, now);
      return 'sent';
    }
    // Our own claim, with nothing of ours under way on it: a try whose answer was lost (a
    // timeout after storage stored it). Nothing was sent under it, so it is ours to take.
    const orphanOfOurs = current.value.Holder === this.holder;
    if (!orphanOfOurs && Date.parse(current.value.ClaimedUntil) > now.getTime()) return 'busy';
    try {
      // The holder's claim ran out (it crashed, or is stuck): take over. This is the window
      // in which a message can go twice: the old holder may have sent before dying.
      const takeover = { ...row, Attempts: current.value.Attempts + 1 };
      this.claimed.set(id, { row: takeover, etag: await this.replaceRow(partition, key, takeover, current.etag) });
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

  /**
   * Records a send. Marks made while one is on its way to the same tenant's rows go together
   * (one transaction). If storage does not take it, this process remembers the message as
   * sent, so that it never sends it again.
   */
  async markSent(tenantId: string, key: string, activityId: string | undefined, now = this.store.clock()): Promise<void> {
    const id = `${tenantId}\n${key}`;
    const mine = this.claimed.get(id);
    try {
      if (mine) {
        try {
          await this.transact(tenantPartition(tenantId, 'deliveries'), [
            {
              kind: 'replace',
              rowKey: key,
              value: { ...mine.row, Status: 'sent', ActivityId: activityId ?? '', UpdatedAt: now.toISOString() },
              etag: mine.etag,
            },
          ]);
          this.recorded(id);
          return;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error; // someone took over meanwhile: record it anyway, below
        }
      }
      await this.finish(tenantId, key, { Status: 'sent', ActivityId: activityId ?? '', UpdatedAt: now.toISOString() });
      this.recorded(id);
    } catch (error) {
      this.sentUnrecorded.add(id);
      if (this.sentUnrecorded.size > 10_000) this.sentUnrecorded.delete(this.sentUnrecorded.values().next().value!);
      throw error;
    }
  }

  private recorded(id: string): void {
    this.claimed.delete(id);
    this.inHand.delete(id);
    this.sentUnrecorded.delete(id);
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
