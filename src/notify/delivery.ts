// Puts the delivery engine together: the notifications queues, the ledger, the rate limiter
// and a worker that drains this instance's queues. Used by the composition root, and by the
// tests and the benchmark that drive the engine on its own.
//
// Teams limits proactive messages per tenant (50 a second), so each tenant's messages are sent
// by one instance at a time, at the tenant's whole rate. Tenants are spread over eight queues
// by a hash of their id, and each queue is worked by the one live instance that owns it
// (InstanceRegistry.owns): no instance takes another's work off a shared queue only to put it
// back, and none sends to a tenant at a fraction of its rate while the others hold the rest of
// its messages. An instance that has a message for a tenant it does not own (sent inline, or
// taken just before the queue moved to another instance) puts it on the tenant's queue.
import { createHash } from 'node:crypto';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { StorageConfig } from '../config.js';
import { QueueWorker } from '../jobs/queue-worker.js';
import type { Logger } from '../logger.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import { DeliveryLedger } from '../storage/delivery-ledger.js';
import { NOTIFICATION_QUEUES, WorkQueues, type WorkQueue } from '../storage/queues.js';
import type { TableStore } from '../storage/table-store.js';
import { Messenger } from './messenger.js';
import { DeliveryEngine, tenantOf, type DeliveryHooks, type OutboxJob, type OutboxQueue } from './outbox.js';
import { DeliveryRateLimiter } from './rate-limits.js';

export interface Delivery {
  engine: DeliveryEngine;
  worker: QueueWorker<OutboxJob>;
  /** The notifications queues, in the order of NOTIFICATION_QUEUES. */
  queues: WorkQueue<OutboxJob>[];
  ledger: DeliveryLedger;
  limiter: DeliveryRateLimiter;
}

export function createDelivery(options: {
  store: TableStore;
  storage: Exclude<StorageConfig, { kind: 'local-azurite' }>;
  tablePrefix: string;
  adapter: TeamsAdapter;
  botAppId: string;
  conversations: ConversationReferences;
  instanceName: string;
  log: Logger;
  hooks?: DeliveryHooks;
  /** Does this instance own a notifications queue now (InstanceRegistry.owns)? Default: it owns them all. */
  owns?: (queue: NotificationQueue) => boolean;
  idlePollMs?: number;
  /** Receive loops working side by side; at most 8 messages in hand per loop. */
  loops?: number;
  /** How long the queued copy of a message sent inline waits before a worker may take it. */
  inlineHeadStartSeconds?: number;
  /** How soon a message claimed by another sender is looked at again. */
  busyRetrySeconds?: number;
  /** How long one batch per tenant may wait for room in this instance before going back on the queue (default 2 s). */
  roomWaitMs?: number;
  /**
   * How long a received message stays hidden, and how long a claim protects a send (defaults
   * 300 s and 5 min: longer than any rate-limit wait). After a crash, what the dead instance
   * held is delivered by another one once these run out; tests shorten them.
   */
  visibilitySeconds?: number;
  claimMs?: number;
}): Delivery {
  const workQueues = new WorkQueues(options.storage, options.tablePrefix);
  const queues = NOTIFICATION_QUEUES.map((name) => workQueues.queue<OutboxJob>(name));
  const owns = options.owns ?? (() => true);
  // Asked for every message sent or queued: each tenant's queue is hashed once.
  const queueOfTenant = new Map<string, number>();
  const queueIndexOf = (tenantId: string): number => {
    let index = queueOfTenant.get(tenantId);
    if (index === undefined) {
      if (queueOfTenant.size >= TENANTS_REMEMBERED) queueOfTenant.clear();
      index = NOTIFICATION_QUEUES.indexOf(notificationQueueOf(tenantId));
      queueOfTenant.set(tenantId, index);
    }
    return index;
  };
  const sendsTo = (tenantId: string) => owns(NOTIFICATION_QUEUES[queueIndexOf(tenantId)]!);
  // Every job goes to its tenant's queue.
  const queue: OutboxQueue = { send: (job, delaySeconds) => queues[queueIndexOf(tenantOf(job))]!.send(job, delaySeconds) };
  const ledger = new DeliveryLedger(options.store, options.instanceName);
  const limiter = new DeliveryRateLimiter();
  let worker: QueueWorker<OutboxJob> | undefined;
  const engine = new DeliveryEngine({
    queue,
    ledger,
    limiter,
    sender: new Messenger(options.adapter, options.botAppId, options.log),
    conversations: options.conversations,
    ...(options.hooks && { hooks: options.hooks }),
    log: options.log,
    nudge: () => worker?.nudge(),
    ...(options.inlineHeadStartSeconds !== undefined && { inlineHeadStartSeconds: options.inlineHeadStartSeconds }),
    ...(options.busyRetrySeconds !== undefined && { busyRetrySeconds: options.busyRetrySeconds }),
    ...(options.roomWaitMs !== undefined && { roomWaitMs: options.roomWaitMs }),
    ...(options.claimMs !== undefined && { claimMs: options.claimMs }),
    sendsTo,
  });
  worker = new QueueWorker<OutboxJob>({
    name: 'notifications',
    queues: { all: queues, active: () => queues.filter((_, i) => owns(NOTIFICATION_QUEUES[i]!)) },
    handle: (message, attempt) => engine.handle(message, attempt),
    onPoison: (message, error) => engine.poisoned(message, error),
    log: options.log,
    maxAttempts: 10,
    // Longer than any rate-limit wait, so a message being sent does not reappear meanwhile.
    visibilitySeconds: options.visibilitySeconds ?? 300,
    // A few messages per receive, from this instance's queues in turn: a fan-out's batches are
    // taken a part at a time (outbox.ts), several tenants side by side.
    batchSize: 8,
    loops: options.loops ?? 4,
    // Each queue is worked by one instance only, so it is looked at every half second: 16
    // receives a second across all instances when idle, as many as four instances made when
    // each of their four loops polled one shared queue every second.
    idlePollMs: options.idlePollMs ?? 500,
  });
  return { engine, worker, queues, ledger, limiter };
}

/** Tenants whose queue is remembered at once (a tenant's queue never changes; this only bounds memory). */
const TENANTS_REMEMBERED = 10_000;

export { NOTIFICATION_QUEUES };
export type NotificationQueue = (typeof NOTIFICATION_QUEUES)[number];

/** The queue a tenant's proactive messages go through. */
export function notificationQueueOf(tenantId: string): NotificationQueue {
  const hash = createHash('sha256').update(tenantId).digest().readUInt32BE(0);
  return NOTIFICATION_QUEUES[hash % NOTIFICATION_QUEUES.length]!;
}
