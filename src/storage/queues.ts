// Durable work queues on Azure Queue storage (Azurite locally). Messages are small JSON
// jobs; a message becomes visible again if its worker dies, so nothing acknowledged is
// lost, and handlers are written to be safe when a message is processed twice.
// A queue opened with `groupSends` group-commits its sends (group-commit.ts): jobs sent in
// the same event-loop turn, or while a send is in flight, travel together in one message
// (one call for many turns).
// Such a message carries its jobs as { "qmJobs": [...] }; every other message is one job.
import { QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import type { StorageConfig } from '../config.js';
import { guard } from './errors.js';
import { GroupCommit } from './group-commit.js';

/**
 * The outbox's queues: proactive messages are spread over eight by tenant, so that each is
 * worked by the one instance sending to its tenants (src/notify/delivery.ts). The first is the
 * one queue of earlier versions, so what they left there is still sent.
 */
export const NOTIFICATION_QUEUES = [
  'notifications',
  'notifications-1',
  'notifications-2',
  'notifications-3',
  'notifications-4',
  'notifications-5',
  'notifications-6',
  'notifications-7',
] as const;

/** The queues the app uses; each is named `<table prefix, lower case>-<name>` (qm-fulfilment...). */
export const QUEUE_NAMES = ['fulfilment', ...NOTIFICATION_QUEUES, 'sync-now', 'billing'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function queueNameFor(prefix: string, name: QueueName): string {
  return `${prefix.toLowerCase()}-${name}`;
}

export interface QueueMessage<T> {
  /** The jobs it carries: one, or several sent at the same moment (`groupSends`). */
  bodies: T[];
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
}

const JOBS = 'qmJobs';
/** A message holds 64 KiB of base64, so about 48 KiB of JSON; a few jobs stay well below. */
const GROUPED_SEND_LIMITS = { maxActions: 32, maxSize: 40_000 };

function encode<T>(bodies: T[]): string {
  return Buffer.from(JSON.stringify(bodies.length === 1 ? bodies[0] : { [JOBS]: bodies })).toString('base64');
}

function decode<T>(text: string): T[] {
  const parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
  const jobs = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[JOBS] : undefined;
  return Array.isArray(jobs) ? (jobs as T[]) : [parsed as T];
}

// Two tries of at most 4 s each: a queue call ends within the same ~8 s as a table call
// (table-store.ts), well inside a Teams turn, when storage hangs instead of refusing.
const pipelineOptions: StoragePipelineOptions = {
  retryOptions: { maxTries: 2, tryTimeoutInMs: 4_000, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
};

/** What handling a queued job came to: finished, or to be handed back and tried again later. */
export type HandlerResult = { done: true } | { retryAfterSeconds: number };

export class WorkQueues {
  private readonly service: QueueServiceClient;
  private ready: Promise<void> | undefined;

  constructor(
    connection: Exclude<StorageConfig, { kind: 'local-azurite' }>,
    private readonly prefix: string,
  ) {
    if (connection.kind === 'connection-string') {
      this.service = QueueServiceClient.fromConnectionString(connection.connectionString, pipelineOptions);
    } else {
      // Configured, or the table endpoint's sibling: https://<account>.queue.core.windows.net/
      const url = connection.queueUrl ?? connection.accountUrl.replace('.table.', '.queue.');
      const clientId = connection.managedIdentityClientId;
      this.service = new QueueServiceClient(
        url,
        new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
        pipelineOptions,
      );
    }
  }

  queue<T>(name: QueueName, options: { groupSends?: boolean } = {}): WorkQueue<T> {
    return new WorkQueue<T>(
      this.service.getQueueClient(queueNameFor(this.prefix, name)),
      () => this.ensureQueues(),
      options.groupSends === true,
    );
  }

  /** Readiness probe: the queues exist and answer a peek (Storage Queue Data Contributor allows both). */
  async ping(timeoutMs = 2000): Promise<void> {
    await this.ensureQueues();
    const client = this.service.getQueueClient(queueNameFor(this.prefix, 'fulfilment'));
    await guard(() => client.peekMessages({ numberOfMessages: 1, abortSignal: AbortSignal.timeout(timeoutMs) }));
  }

  private ensureQueues(): Promise<void> {
    this.ready ??= guard(async () => {
      await Promise.all(QUEUE_NAMES.map((n) => this.service.getQueueClient(queueNameFor(this.prefix, n)).createIfNotExists()));
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

export class WorkQueue<T> {
  private readonly grouped: GroupCommit<T, void> | undefined;
  /** Sends accepted here and not yet stored in the queue (see `settled`). */
  private sending = 0;

  constructor(
    private readonly client: QueueClient,
    private readonly ensure: () => Promise<void>,
    groupSends = false,
  ) {
    if (groupSends)
      this.grouped = new GroupCommit<T, void>(
        async (_queue, bodies) => (await this.sendNow(bodies, 0), bodies.map(() => undefined)),
        (body) => JSON.stringify(body).length,
        undefined,
        GROUPED_SEND_LIMITS,
      );
  }

  /** Resolves once the job is stored in the queue. */
  async send(body: T, delaySeconds = 0): Promise<void> {
    this.sending++;
    try {
      if (this.grouped && delaySeconds === 0) await this.grouped.add('', [body]);
      else await this.sendNow([body], delaySeconds);
    } finally {
      this.sending--;
    }
  }

  private async sendNow(bodies: T[], delaySeconds: number): Promise<void> {
    await this.ensure();
    await guard(() => this.client.sendMessage(encode(bodies), { visibilityTimeout: delaySeconds }));
  }

  /** Takes up to `max` messages, hidden from other workers for `visibilitySeconds`. */
  async receive(max: number, visibilitySeconds: number): Promise<QueueMessage<T>[]> {
    await this.ensure();
    const response = await guard(() => this.client.receiveMessages({ numberOfMessages: max, visibilityTimeout: visibilitySeconds }));
    return response.receivedMessageItems.map((m) => ({
      bodies: decode<T>(m.messageText),
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
    }));
  }

  async complete(message: QueueMessage<T>): Promise<void> {
    await guard(() => this.client.deleteMessage(message.messageId, message.popReceipt));
  }

  /** Puts the message back, visible again after `delaySeconds`; with `bodies`, carrying only those jobs. */
  async retryLater(message: QueueMessage<T>, delaySeconds: number, bodies?: T[]): Promise<void> {
    await guard(() => this.client.updateMessage(message.messageId, message.popReceipt, bodies ? encode(bodies) : undefined, delaySeconds));
  }

  /** True when no send from here is under way and the queue holds no message, visible or waiting. */
  async settled(): Promise<boolean> {
    return this.sending === 0 && (await this.approximateCount()) === 0;
  }

  async approximateCount(): Promise<number> {
    await this.ensure();
    const properties = await guard(() => this.client.getProperties());
    return properties.approximateMessagesCount ?? 0;
  }
}
