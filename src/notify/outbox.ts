// The delivery engine: every proactive message is a small job on its tenant's notifications
// queue, drained by the one instance that owns that queue (src/notify/delivery.ts), sent within
// Teams' rate limits, and recorded in the delivery ledger under its dedupe key.
//
// Exactly once, as far as it can be: a message is claimed in the ledger (ETag-checked)
// before it is sent and marked sent right after, so a second copy of the job, a retry or
// another instance finds it claimed or sent and does not send it again. The one window left
// is a crash after Teams accepted the message and before the ledger says so: the claim then
// runs out and the message is sent again (at least once beats at most once for approvals
// and alerts). Nothing is dropped silently: what cannot be sent goes to the dead letters and
// the admins are told.
import type { ConversationReference } from 'botbuilder';
import type { AdaptiveCard } from '../bot/cards.js';
import type { HandlerResult } from '../storage/queues.js';
import type { Logger } from '../logger.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { CardTurn, DeliveryLedger } from '../storage/delivery-ledger.js';
import { TENANT_SENDS_PER_SECOND, type DeliveryRateLimiter } from './rate-limits.js';

interface Addressed {
  /** Dedupe key: the same logical message always has the same key. */
  key: string;
  tenantId: string;
  conversationId: string;
  /** Anything the sender wants back after delivery (e.g. to remember a card's activity id). */
  context?: Record<string, string>;
  /**
   * Where to send it, when it was at hand as the message was queued (a fan-out reads its
   * tenants' references in pages, see `enqueueMany`); otherwise the stored reference is read
   * when it is sent. A retry always reads the stored one, in case this one went stale.
   */
  reference?: Partial<ConversationReference>;
}

export type OutboxMessage = Addressed &
  (
    | { kind: 'card'; card: AdaptiveCard }
    | { kind: 'text'; text: string }
    /** `version`: updates of one card go out in this order, and an older one never replaces a newer one. */
    | { kind: 'update'; activityId: string; card: AdaptiveCard; version?: number }
  );

/**
 * A fan-out's batch on the queue (one queue message for up to a hundred sends: queues get slow
 * when they hold many thousands of messages, and each send still has its own ledger row, so a
 * batch done twice sends each once). What its messages have in common (the tenant, the alert's
 * text or card) is written once in `shared`, and each message holds only its own fields (its
 * key and conversation): an alert card of a few kilobytes to a hundred people fits in one queue
 * message, and a batch is a few kilobytes to write, read and hand on. Batches without `shared`
 * (every field per message) are read the same way.
 */
export interface OutboxBatch {
  kind: 'batch';
  key: string;
  shared?: Partial<OutboxMessage>;
  messages: Partial<OutboxMessage>[];
}

/** What the notifications queues hold: one message, or a batch of a fan-out's messages. */
export type OutboxJob = OutboxMessage | OutboxBatch;

/** The tenant a job's messages go to (a batch is of one tenant). */
export function tenantOf(job: OutboxJob): string {
  return job.kind === 'batch' ? (job.shared?.tenantId ?? job.messages[0]?.tenantId ?? '') : job.tenantId;
}

/** What actually talks to Teams (src/notify/messenger.ts). */
export interface ProactiveSender {
  postCard(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<string | undefined>;
  postText(reference: Partial<ConversationReference>, text: string): Promise<string | undefined | void>;
  updateCard(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCard): Promise<void>;
}

export interface OutboxQueue {
  /** `delaySeconds`: the message stays invisible that long (the inline attempt's head start). Each job goes to its tenant's queue. */
  send(job: OutboxJob, delaySeconds?: number): Promise<void>;
}

/** Most messages in one batch, and how many of a batch are sent side by side. */
const BATCH_SIZE = 100;
const BATCH_CONCURRENCY = 16;
/** A message taken for a tenant that has since moved to another instance is visible again after this long, for its new owner. */
const MOVED_TENANT_RETRY_SECONDS = 1;
/**
 * Batches of a tenant that may wait in line for room, and how long each place in the line may
 * wait before its batch is handed back (a batch takes about two seconds). The instance alone
 * sends to the tenant, so its next batches wait here rather than go round the queue.
 */
const WAITING_PER_TENANT = 2;
const ROOM_WAIT_MS = 2_000;
/**
 * A batch of a tenant whose line is full goes back hidden until about when the line can take
 * it: the batches turned away are given turns one batch's sending time apart, the first after
 * LINE_FULL_HAND_BACK_SECONDS (about one batch's sending time, when a place frees). So the
 * instance does not keep receiving them only to hand them back, and the queue is not skipped
 * either: another tenant's message behind a long fan-out on the same queue is still reached at
 * once. A batch turned away again (its turn came early: sends were slower) waits the least.
 */
const LINE_FULL_HAND_BACK_SECONDS = 2;
/** Tenants whose turns for turned-away batches are kept at once (only bounds memory). */
const TENANTS_WITH_TURNS = 1_000;
/** Queue sends of a fan-out's batches under way at once. */
const ENQUEUE_CONCURRENCY = 8;
/**
 * How long before its turn a fan-out's batch shows on the queue: two batches' sending time,
 * so that the tenant's line holds the next batches whenever the one under way finishes.
 */
const DUE_LEAD_SECONDS = 4;
/**
 * A fan-out to at least this many of a tenant's conversations reads the tenant's stored
 * references in pages as it is queued, so that each send does not read its own (one call per
 * page of a thousand instead of one per message, as Company Communicator's send queue carries
 * each recipient's address). At most one page is read per this many messages: a fan-out to a
 * few of a tenant with very many chats leaves the rest to be read one by one when sent.
 */
const LIST_REFERENCES_FROM = 100;
const MESSAGES_PER_PAGE = 10;

/** What an inline delivery achieved; when not sent, the queued copy will deliver it. */
export interface DeliveryAttempt {
  sent: boolean;
  activityId?: string;
}

/** The queued copy of an inline delivery waits this long before a worker may take it. */
const INLINE_HEAD_START_SECONDS = 60;

export interface DeliveryHooks {
  /** After a message went out: e.g. remember where an approval card was posted. */
  delivered?(message: OutboxMessage, activityId: string | undefined): Promise<void>;
  /** Teams blocked the bot in a conversation (first time only). */
  blocked?(tenantId: string, conversationId: string): Promise<void>;
  /** A message was given up on (once per message). */
  dead?(message: OutboxMessage, reason: string): Promise<void>;
}

/** How long a card's newest update holds the card while it is sent; an inline update waits this long for an older one. */
const CARD_CLAIM_MS = 60_000;
const CARD_WAIT_INLINE_MS = 3_000;

/** Azure queue messages hold at most 64 KiB of base64: about 48 KiB of JSON. */
const MAX_MESSAGE_CHARS = 46_000;

export class DeliveryEngine {
  private readonly claimMs: number;
  /** Per tenant: batched sends this instance has taken and not finished. */
  private readonly holding = new Map<string, number>();
  /** Per tenant: the batches waiting for room, in line (see roomFor); the first is woken when a held send finishes. */
  private readonly roomWaiters = new Map<string, (() => void)[]>();
  /** Per tenant: when the next batch its full line turns away is to be visible again (ms). */
  private readonly nextTurn = new Map<string, number>();

  constructor(
    private readonly deps: {
      queue: OutboxQueue;
      ledger: DeliveryLedger;
      limiter: DeliveryRateLimiter;
      sender: ProactiveSender;
      conversations: ConversationReferences;
      hooks?: DeliveryHooks;
      log: Logger;
      /** Called after enqueueing, so a local worker picks the message up at once. */
      nudge?: () => void;
      /** How long a claim protects a message being sent (longer than any rate-limit wait). */
      claimMs?: number;
      /** How long the queued copy of an inline delivery stays hidden (default 60 s). */
      inlineHeadStartSeconds?: number;
      /** When another sender holds the claim, look again after this long (default 15 s): it usually finishes soon. */
      busyRetrySeconds?: number;
      /** How long one batch per tenant may wait for room before it is handed back (default 2 s). */
      roomWaitMs?: number;
      /**
       * Does this instance send the tenant's messages now (it owns the tenant's queue,
       * src/notify/delivery.ts)? One instance at a time does, at the tenant's whole rate; the
       * others queue what they have for the tenant. Default: this one sends to every tenant.
       */
      sendsTo?: (tenantId: string) => boolean;
    },
  ) {
    this.claimMs = deps.claimMs ?? 5 * 60_000;
  }

  /** Accepts a message for delivery: once this returns, it is on the durable queue. */
  async enqueue(message: OutboxMessage): Promise<void> {
    const size = JSON.stringify(message).length;
    if (size > MAX_MESSAGE_CHARS) throw new RangeError(`Outbox message ${message.key} is too large for the queue (${size} characters)`);
    await this.deps.queue.send(message);
    this.deps.nudge?.();
  }

  /**
   * Accepts a fan-out (e.g. an alert to thousands of people): the messages go on their
   * tenants' queues in batches of up to a hundred, grouped by tenant so each batch runs at its
   * tenant's rate, the tenants' batches taking turns. A tenant's first batch goes on its
   * queue as soon as the tenant's addresses are read, so its sending starts while the other
   * tenants' addresses are still being read; the rest wait for all, to take turns.
   */
  async enqueueMany(messages: readonly OutboxMessage[]): Promise<void> {
    const byTenant = new Map<string, OutboxMessage[]>();
    for (const message of messages) {
      const group = byTenant.get(message.tenantId);
      if (group) group.push(message);
      else byTenant.set(message.tenantId, [message]);
    }
    const rest = await Promise.all(
      [...byTenant.values()].map(async (group) => {
        const [first, ...others] = batchesOf(await this.addressed(group));
        if (first) {
          await this.deps.queue.send(first);
          this.deps.nudge?.();
        }
        return hiddenUntilDue(first, others);
      }),
    );
    await this.queueInTurns(rest);
  }

  /** Puts the tenants' batches on the queue taking turns (a tenant's first, every other tenant's first, its second...). */
  private async queueInTurns(perTenant: DueBatch[][]): Promise<void> {
    const batches: DueBatch[] = [];
    const total = perTenant.reduce((n, b) => n + b.length, 0);
    for (let turn = 0; batches.length < total; turn++)
      for (const tenantBatches of perTenant) if (turn < tenantBatches.length) batches.push(tenantBatches[turn]!);
    let next = 0;
    const sendNext = async () => {
      while (next < batches.length) {
        const { batch, delaySeconds } = batches[next++]!;
        await this.deps.queue.send(batch, delaySeconds);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ENQUEUE_CONCURRENCY, batches.length) }, sendNext));
    this.deps.nudge?.();
  }

  /** One tenant's messages of a fan-out, with their stored references when there are enough of them to read in pages. */
  private async addressed(group: OutboxMessage[]): Promise<OutboxMessage[]> {
    const wanted = new Set(group.filter((message) => !message.reference).map((message) => message.conversationId));
    if (wanted.size < LIST_REFERENCES_FROM) return group;
    const found = new Map<string, Partial<ConversationReference>>();
    const mostRows = Math.ceil(wanted.size / MESSAGES_PER_PAGE) * 1000;
    let rows = 0;
    for await (const saved of this.deps.conversations.addresses(group[0]!.tenantId)) {
      if (wanted.has(saved.conversationId)) found.set(saved.conversationId, saved.reference);
      if (found.size === wanted.size || ++rows >= mostRows) break;
    }
    return group.map((message) => {
      const reference = message.reference ? undefined : found.get(message.conversationId);
      return reference ? { ...message, reference } : message;
    });
  }

  /**
   * Delivers a message now when it can, durably either way (write-ahead): the message goes
   * on the queue first, hidden for a minute, then this instance sends it at once under the
   * same ledger claim and rate limits a worker would use. When that works, the queued copy
   * later finds it sent and is dropped; when it does not (throttled, Teams or storage down,
   * a crash right here), the queued copy is delivered by whichever instance takes it.
   * Returns the new activity's id when it was sent here (to update the card later).
   */
  async deliver(message: OutboxMessage): Promise<DeliveryAttempt> {
    const size = JSON.stringify(message).length;
    if (size > MAX_MESSAGE_CHARS) throw new RangeError(`Outbox message ${message.key} is too large for the queue (${size} characters)`);
    if (!this.sendsTo(message.tenantId)) {
      // Another instance sends to this tenant now: the queue takes it there at once.
      await this.deps.queue.send(message);
      return { sent: false };
    }
    await this.deps.queue.send(message, this.deps.inlineHeadStartSeconds ?? INLINE_HEAD_START_SECONDS);
    try {
      const { sent, activityId } = await this.attempt(message, 0, false);
      return { sent, ...(activityId ? { activityId } : {}) };
    } catch (error) {
      // Storage trouble while claiming or marking: the queued copy carries on.
      this.deps.log.warn({ err: error, key: message.key }, 'inline delivery failed; the outbox will retry');
      return { sent: false };
    }
  }

  /**
   * Records a send, retrying through a storage outage for most of the claim's life: as long
   * as the claim holds, no one else sends the message, so recording it late still means once.
   */
  private async recordSent(message: OutboxMessage, activityId: string | undefined): Promise<void> {
    const deadline = Date.now() + this.claimMs * 0.8;
    for (;;) {
      try {
        await this.deps.ledger.markSent(message.tenantId, message.key, activityId);
        return;
      } catch (error) {
        if (Date.now() + 1000 > deadline) throw error;
        this.deps.log.warn({ key: message.key }, 'sent, but storage did not take the record yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** The queue worker's handler: send once, or say when to try again. */
  async handle(job: OutboxJob, attempt: number): Promise<HandlerResult> {
    if (!this.sendsTo(tenantOf(job))) return this.passOn(job);
    if (job.kind === 'batch') return this.handleBatch(job, attempt);
    // A message taken again (it failed before) reads the stored reference, in case the one it carries went stale.
    return (await this.attempt(attempt > 1 ? withoutReference(job) : job, attempt, true)).result;
  }

  /**
   * Sends a batch: this instance alone sends to its tenant, so it takes the whole batch, once
   * what it holds of the tenant's sends is down to half a second's (the batches after it wait
   * in line, see roomFor): the tenant's sends go on without a gap at its whole rate.
   *
   * The batch is sent side by side within the rate limits: its claims go to storage together
   * (one transaction). A message that has to wait (429, Teams down, claimed elsewhere) goes
   * back on the queue on its own with its delay.
   */
  private async handleBatch(job: OutboxBatch, attempt: number): Promise<HandlerResult> {
    const messages = messagesOf(job);
    const tenantId = messages[0]?.tenantId ?? '';
    const second = TENANT_SENDS_PER_SECOND;
    if (this.crowded(tenantId, second) && !(await this.roomFor(tenantId, second)))
      return { retryAfterSeconds: attempt > 1 ? LINE_FULL_HAND_BACK_SECONDS : this.turnFor(tenantId, messages.length / second) };
    if (!this.sendsTo(tenantId)) return this.passOn(job); // the tenant moved to another instance meanwhile
    this.hold(tenantId, messages.length);
    // Every claim of the batch at once (they reach storage as one transaction), then the sends,
    // a few side by side: more in flight would only queue up at the connector, and a send
    // under way counts against the tenant's limit until it is answered.
    const claims = messages.map((message) => this.claimFor(message).catch((error: unknown) => ({ error })));
    let next = 0;
    const work = async () => {
      while (next < messages.length) {
        const index = next++;
        const message = messages[index]!;
        let result: HandlerResult;
        try {
          const claim = await claims[index]!;
          if ('error' in claim) throw claim.error;
          result = claim.claimed ? (await this.sendUnderClaim(message, 0, true)).result : claim.result;
        } catch (error) {
          this.deps.log.warn({ err: error, key: message.key }, 'batched delivery failed; queued on its own');
          result = { retryAfterSeconds: 5 };
        } finally {
          this.hold(tenantId, -1);
        }
        if ('retryAfterSeconds' in result) await this.deps.queue.send(withoutReference(message), result.retryAfterSeconds);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, messages.length) }, work));
    return { done: true };
  }

  /**
   * Waits in line, for up to WAITING_PER_TENANT batches of a tenant, while this instance holds
   * more than half a second's worth of the tenant's sends (each place up to ROOM_WAIT_MS longer
   * than the one ahead): the next batch is taken as soon as the one under way is nearly sent,
   * and the tenant's sends go on without a gap, instead of the batch going back on the queue
   * for a second. False when the line is full (the batch goes back on the queue).
   */
  private async roomFor(tenantId: string, second: number): Promise<boolean> {
    const line = this.roomWaiters.get(tenantId) ?? [];
    if (line.length >= WAITING_PER_TENANT) return false;
    this.roomWaiters.set(tenantId, line);
    const deadline = Date.now() + (this.deps.roomWaitMs ?? ROOM_WAIT_MS) * (line.length + 1);
    let wake = () => {};
    const place = () => wake();
    line.push(place);
    try {
      while ((line[0] !== place || this.crowded(tenantId, second)) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      line.splice(line.indexOf(place), 1);
      if (line.length === 0) this.roomWaiters.delete(tenantId);
      else line[0]!(); // the next in line looks again
    }
    return true;
  }

  /** Seconds until a batch turned away by the tenant's full line has its turn (see LINE_FULL_HAND_BACK_SECONDS). */
  private turnFor(tenantId: string, sendingSeconds: number): number {
    const now = Date.now();
    if (this.nextTurn.size >= TENANTS_WITH_TURNS) for (const [id, at] of this.nextTurn) if (at < now) this.nextTurn.delete(id);
    const turn = Math.max(now + LINE_FULL_HAND_BACK_SECONDS * 1000, this.nextTurn.get(tenantId) ?? 0);
    this.nextTurn.set(tenantId, turn + Math.max(1, sendingSeconds) * 1000);
    return Math.ceil((turn - now) / 1000);
  }

  /** Does this instance hold more than half a second's worth of the tenant's sends? */
  private crowded(tenantId: string, second: number): boolean {
    return (this.holding.get(tenantId) ?? 0) > second / 2;
  }

  /** Counts the batched sends this instance holds for a tenant (taken, not finished); a batch waiting for room is told. */
  private hold(tenantId: string, change: number): void {
    const count = (this.holding.get(tenantId) ?? 0) + change;
    if (count > 0) this.holding.set(tenantId, count);
    else this.holding.delete(tenantId);
    if (change < 0) this.roomWaiters.get(tenantId)?.[0]?.();
  }

  private sendsTo(tenantId: string): boolean {
    return this.deps.sendsTo?.(tenantId) ?? true;
  }

  /**
   * Work for a tenant another instance sends to (it moved there since the job was queued, or
   * the job sat on a queue the tenant no longer maps to): queued again, where that instance
   * takes it.
   */
  private async passOn(job: OutboxJob): Promise<HandlerResult> {
    await this.deps.queue.send(job);
    return { done: true };
  }

  private async attempt(
    message: OutboxMessage,
    attempt: number,
    queued: boolean,
  ): Promise<{ result: HandlerResult; sent: boolean; activityId?: string }> {
    const claim = await this.claimFor(message);
    if (!claim.claimed) return { result: claim.result, sent: false };
    return this.sendUnderClaim(message, attempt, queued);
  }

  /** Claims the message for this instance, or says what to do instead (nothing, or look again later). */
  private async claimFor(message: OutboxMessage): Promise<{ claimed: true } | { claimed: false; result: HandlerResult }> {
    const { ledger } = this.deps;
    if (await ledger.isBlocked(message.tenantId, message.conversationId)) {
      await this.giveUp(message, 'Teams blocks the bot in this conversation (MessageWritesBlocked)', false);
      return { claimed: false, result: { done: true } };
    }
    const claim = await ledger.claim(message.tenantId, message.key, this.claimMs);
    if (claim === 'sent' || claim === 'dead') return { claimed: false, result: { done: true } }; // a duplicate job
    if (claim === 'busy')
      return {
        claimed: false,
        result: { retryAfterSeconds: Math.min(this.deps.busyRetrySeconds ?? 15, Math.ceil(this.claimMs / 1000)) },
      };
    return { claimed: true };
  }

  /** Sends a message this instance holds the claim on; the claim is let go of here whatever happens. */
  private async sendUnderClaim(
    message: OutboxMessage,
    attempt: number,
    queued: boolean,
  ): Promise<{ result: HandlerResult; sent: boolean; activityId?: string }> {
    const progress = { sending: false };
    try {
      return await this.sendClaimed(message, attempt, queued, progress);
    } catch (error) {
      // Failed before anything went to Teams (storage timed out reading the conversation, say):
      // the stored claim is handed back, so that whichever instance gets the message next may
      // send it now, not once the claim runs out minutes later.
      if (!progress.sending) await this.deps.ledger.release(message.tenantId, message.key).catch(() => undefined);
      throw error;
    } finally {
      this.deps.ledger.letGo(message.tenantId, message.key);
    }
  }

  /** The rest of an attempt, under this instance's claim on the message. */
  private async sendClaimed(
    message: OutboxMessage,
    attempt: number,
    queued: boolean,
    progress: { sending: boolean },
  ): Promise<{ result: HandlerResult; sent: boolean; activityId?: string }> {
    const { ledger, limiter, sender, conversations, log } = this.deps;
    if (!this.sendsTo(message.tenantId)) {
      // The tenant moved to another instance (one joined or left) since this message was taken.
      await ledger.release(message.tenantId, message.key);
      return { result: { retryAfterSeconds: MOVED_TENANT_RETRY_SECONDS }, sent: false };
    }
    const saved = message.reference ? { reference: message.reference } : await conversations.get(message.tenantId, message.conversationId);
    if (!saved) {
      await this.giveUp(message, 'The conversation is unknown (the bot was never installed there, or was removed).');
      return { result: { done: true }, sent: false };
    }
    const versioned = message.kind === 'update' && message.version !== undefined ? message : undefined;
    const card = versioned ? await this.cardTurn(versioned, queued) : undefined;
    if (card === 'superseded') {
      // A newer version of this card went (or is going) out: this one would only turn it back.
      await this.recordSent(message, undefined);
      return { result: { done: true }, sent: false };
    }
    if (card === 'busy') {
      await ledger.release(message.tenantId, message.key);
      return { result: { retryAfterSeconds: 2 }, sent: false };
    }
    const slot = await limiter.acquire(message.tenantId, message.conversationId);
    let activityId: string | undefined;
    progress.sending = true;
    try {
      activityId = await this.send(sender, saved.reference, message).finally(() => slot.sent());
    } catch (error) {
      if (versioned) await this.finishCard(versioned, false);
      return { result: await this.failed(message, error, attempt), sent: false };
    }
    if (versioned) await this.finishCard(versioned, true);
    await this.recordSent(message, activityId);
    // Only a queued delivery needs the hook: an inline caller gets the id back itself.
    if (queued)
      await this.deps.hooks
        ?.delivered?.(message, activityId)
        .catch((error: unknown) => log.warn({ err: error, key: message.key }, 'after-delivery step failed'));
    return { result: { done: true }, sent: true, ...(activityId ? { activityId } : {}) };
  }

  /**
   * The card's turn for this update (versioned updates only). Inline, an older update still on
   * its way is waited for a moment (it is usually done within a second) rather than queued.
   */
  private async cardTurn(message: Extract<OutboxMessage, { kind: 'update' }>, queued: boolean): Promise<CardTurn> {
    const deadline = Date.now() + (queued ? 0 : CARD_WAIT_INLINE_MS);
    for (;;) {
      const turn = await this.deps.ledger.claimCardVersion(message.tenantId, message, message.version!, CARD_CLAIM_MS);
      if (turn !== 'busy' || Date.now() + 100 > deadline) return turn;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async finishCard(message: Extract<OutboxMessage, { kind: 'update' }>, sent: boolean): Promise<void> {
    await this.deps.ledger
      .finishCardVersion(message.tenantId, message, message.version!, sent)
      .catch((error: unknown) => this.deps.log.warn({ err: error, key: message.key }, 'could not record the card version'));
  }

  /** The queue gave up after too many attempts. */
  async poisoned(job: OutboxJob, error: unknown): Promise<void> {
    for (const message of job.kind === 'batch' ? messagesOf(job) : [job]) {
      const claim = await this.deps.ledger.claim(message.tenantId, message.key, this.claimMs).catch(() => 'busy' as const);
      if (claim === 'sent' || claim === 'dead') continue;
      await this.giveUp(message, `Sending kept failing: ${describe(error)}`);
    }
  }

  private async send(
    sender: ProactiveSender,
    reference: Partial<ConversationReference>,
    message: OutboxMessage,
  ): Promise<string | undefined> {
    switch (message.kind) {
      case 'card':
        return sender.postCard(reference, message.card);
      case 'text':
        return (await sender.postText(reference, message.text)) ?? undefined;
      case 'update':
        await sender.updateCard(reference, message.activityId, message.card);
        return message.activityId;
    }
  }

  private async failed(message: OutboxMessage, error: unknown, attempt: number): Promise<HandlerResult> {
    const { ledger, log } = this.deps;
    const failure = classify(error);
    log.warn(
      { key: message.key, conversationId: message.conversationId, status: failure.status, kind: failure.kind, attempt },
      'delivery failed',
    );
    if (failure.kind === 'blocked') {
      if (await ledger.block(message.tenantId, message.conversationId))
        await this.deps.hooks?.blocked?.(message.tenantId, message.conversationId);
      await this.giveUp(message, 'Teams blocks the bot in this conversation (MessageWritesBlocked)', false);
      return { done: true };
    }
    if (failure.kind === 'permanent') {
      await this.giveUp(message, `Teams refused the message (${failure.status ?? 'no status'}): ${describe(error)}`);
      return { done: true };
    }
    // Let any instance try again; the claim would otherwise hold it for minutes.
    await ledger.release(message.tenantId, message.key);
    const backoff = Math.min(300, 2 ** Math.min(attempt, 8)) * (0.5 + Math.random() / 2); // exponential, with jitter
    return { retryAfterSeconds: Math.max(1, Math.ceil(failure.retryAfterSeconds ?? backoff)) };
  }

  private async giveUp(message: OutboxMessage, reason: string, alert = true): Promise<void> {
    await this.deps.ledger.markDead(message.tenantId, message.key, reason, withoutReference(message));
    this.deps.log.error({ key: message.key, conversationId: message.conversationId, reason }, 'message dead-lettered');
    if (alert)
      await this.deps.hooks
        ?.dead?.(message, reason)
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'dead-letter alert failed'));
  }
}

export type Failure = { kind: 'retry' | 'blocked' | 'permanent'; status?: number; retryAfterSeconds?: number };

/** How a failed send should be handled, from the Bot Connector's answer. */
export function classify(error: unknown): Failure {
  const e = error as {
    statusCode?: number;
    status?: number;
    code?: string;
    response?: { status?: number; headers?: { get?(name: string): string | undefined } & Record<string, unknown> };
    body?: unknown;
    message?: string;
  };
  const status = e?.statusCode ?? e?.status ?? e?.response?.status;
  if (status === undefined) return { kind: 'retry' }; // network: connection refused, reset, timeout
  const retryAfter = Number(
    e.response?.headers?.get?.('retry-after') ?? (e.response?.headers as Record<string, unknown> | undefined)?.['retry-after'],
  );
  if (status === 429)
    return { kind: 'retry', status, ...(Number.isFinite(retryAfter) && retryAfter >= 0 && { retryAfterSeconds: retryAfter }) };
  if (status === 403 && /MessageWritesBlocked/i.test(`${e.code ?? ''} ${e.message ?? ''} ${JSON.stringify(e.body ?? '')}`))
    return { kind: 'blocked', status };
  if (status === 412 || status === 408 || status >= 500) return { kind: 'retry', status };
  return { kind: 'permanent', status };
}

type DueBatch = { batch: OutboxBatch; delaySeconds: number };

/**
 * A tenant's batches after its first, each hidden on the queue until about when its turn comes
 * at the tenant's rate, less DUE_LEAD_SECONDS: the owner finds the next batches in time and not
 * long before. Visible all at once, a large fan-out's batches were received together, and all
 * but the few its line holds handed back, at the moment the first sends were starting.
 */
function hiddenUntilDue(first: OutboxBatch | undefined, others: readonly OutboxBatch[]): DueBatch[] {
  let before = first?.messages.length ?? 0;
  return others.map((batch) => {
    const delaySeconds = Math.max(0, Math.floor(before / TENANT_SENDS_PER_SECOND - DUE_LEAD_SECONDS));
    before += batch.messages.length;
    return { batch, delaySeconds };
  });
}

/** One tenant's messages in batches of up to BATCH_SIZE, each of which fits in a queue message. */
function batchesOf(group: readonly OutboxMessage[]): OutboxBatch[] {
  for (const message of group) {
    const size = JSON.stringify(message).length;
    if (size > MAX_MESSAGE_CHARS / 2) throw new RangeError(`Outbox message ${message.key} is too large for a batch (${size} characters)`);
  }
  const batches: OutboxBatch[] = [];
  const add = (messages: readonly OutboxMessage[]): void => {
    const batch = batchOf(messages);
    // Messages that share little (each its own card) halve until they fit; one always does (checked above).
    if (messages.length > 1 && JSON.stringify(batch).length > MAX_MESSAGE_CHARS) {
      const half = Math.ceil(messages.length / 2);
      add(messages.slice(0, half));
      add(messages.slice(half));
    } else batches.push(batch);
  };
  for (let from = 0; from < group.length; from += BATCH_SIZE) add(group.slice(from, from + BATCH_SIZE));
  return batches;
}

/**
 * Messages as one batch: the fields every one of them has alike are written once. So are the
 * parts of their references alike (the service URL, the bot), each message keeping its own
 * conversation and person.
 */
function batchOf(messages: readonly OutboxMessage[]): OutboxBatch {
  const { shared, own } = splitShared(messages.map(withoutReference), 'key');
  const addressed = messages.flatMap((message, index) => (message.reference ? [{ index, reference: message.reference }] : []));
  if (addressed.length > 0) {
    // Shared among the messages that have one; a message without stays without.
    const references = splitShared(addressed.map(({ reference }) => reference));
    shared.reference = references.shared;
    addressed.forEach(({ index }, i) => (own[index]!.reference = references.own[i]));
  }
  return { kind: 'batch', key: `batch|${messages[0]!.key}|${messages.length}`, shared: shared as Partial<OutboxMessage>, messages: own };
}

/** The fields every object has alike (never `ownField`), and each object's own. */
function splitShared(objects: readonly object[], ownField?: string): { shared: Record<string, unknown>; own: Record<string, unknown>[] } {
  const fields = objects.map((object) => new Map<string, unknown>(Object.entries(object)));
  const shared: Record<string, unknown> = {};
  for (const [field, value] of fields[0]!) {
    if (field === ownField) continue;
    const json = JSON.stringify(value);
    if (fields.every((own) => JSON.stringify(own.get(field)) === json)) shared[field] = value;
  }
  const own = fields.map((all) => Object.fromEntries([...all].filter(([field]) => !(field in shared))));
  return { shared, own };
}

/** A batch's messages, whole again. */
function messagesOf(batch: OutboxBatch): OutboxMessage[] {
  return batch.messages.map((own) => {
    const message = { ...batch.shared, ...own } as OutboxMessage;
    if (own.reference) message.reference = { ...batch.shared?.reference, ...own.reference };
    else delete message.reference; // only the messages that had a reference get one back
    return message;
  });
}

/** The message as it was asked for: a retry or a dead letter does not keep the address it was queued with. */
function withoutReference(message: OutboxMessage): OutboxMessage {
  if (!message.reference) return message;
  const { reference: _dropped, ...rest } = message;
  return rest as OutboxMessage;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
}
