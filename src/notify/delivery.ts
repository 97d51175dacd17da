// Puts the delivery engine together: the `notifications` queue, the ledger, the rate limiter
// and a worker that drains the queue on this instance. Used by the composition root, and by
// the tests and the benchmark that drive the engine on its own.
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { StorageConfig } from '../config.js';
import { QueueWorker } from '../jobs/queue-worker.js';
import type { Logger } from '../logger.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import { DeliveryLedger } from '../storage/delivery-ledger.js';
import { WorkQueues, type WorkQueue } from '../storage/queues.js';
import type { TableStore } from '../storage/table-store.js';
import { Messenger } from './messenger.js';
import { DeliveryEngine, type DeliveryHooks, type OutboxJob } from './outbox.js';
import { DeliveryRateLimiter } from './rate-limits.js';

export interface Delivery {
  engine: DeliveryEngine;
  worker: QueueWorker<OutboxJob>;
  queue: WorkQueue<OutboxJob>;
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
  /** This instance's part of a Teams limit of so many sends (InstanceRegistry.allotment). */
  allotment?: (points: number) => number;
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
  const queue = new WorkQueues(options.storage, options.tablePrefix).queue<OutboxJob>('notifications');
  const ledger = new DeliveryLedger(options.store, options.instanceName);
  const limiter = new DeliveryRateLimiter(options.allotment);
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
  });
  worker = new QueueWorker<OutboxJob>({
    name: 'notifications',
    queue,
    handle: (message, attempt) => engine.handle(message, attempt),
    onPoison: (message, error) => engine.poisoned(message, error),
    log: options.log,
    maxAttempts: 10,
    // Longer than any rate-limit wait, so a message being sent does not reappear meanwhile.
    visibilitySeconds: options.visibilitySeconds ?? 300,
    // A few messages per receive: a fan-out's batches are taken a part at a time (outbox.ts),
    // and what one instance does not receive stays on the queue for the others.
    batchSize: 8,
    loops: options.loops ?? 4,
    idlePollMs: options.idlePollMs ?? 1000,
  });
  return { engine, worker, queue, ledger, limiter };
}
