// Durable work queues on Azure Queue storage (Azurite locally). Messages are small JSON
// jobs; a message becomes visible again if its worker dies, so nothing acknowledged is
// lost, and handlers are written to be safe when a message is processed twice.
import { QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import type { StorageConfig } from '../config.js';
import { guard } from './errors.js';

export type QueueName = 'fulfilment' | 'notifications' | 'sync-now';

export interface QueueMessage<T> {
  body: T;
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
}

const pipelineOptions: StoragePipelineOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } };

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
      // The table endpoint's sibling: https://<account>.queue.core.windows.net/
      const url = connection.accountUrl.replace('.table.', '.queue.');
      const clientId = connection.managedIdentityClientId;
      this.service = new QueueServiceClient(url, new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}), pipelineOptions);
    }
  }

  queue<T>(name: QueueName): WorkQueue<T> {
    return new WorkQueue<T>(this.service.getQueueClient(`${this.prefix.toLowerCase()}-${name}`), () => this.ensureQueues());
  }

  private ensureQueues(): Promise<void> {
    this.ready ??= guard(async () => {
      await Promise.all((['fulfilment', 'notifications', 'sync-now'] as const).map((n) => this.service.getQueueClient(`${this.prefix.toLowerCase()}-${n}`).createIfNotExists()));
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

export class WorkQueue<T> {
  constructor(
    private readonly client: QueueClient,
    private readonly ensure: () => Promise<void>,
  ) {}

  async send(body: T, delaySeconds = 0): Promise<void> {
    await this.ensure();
    await guard(() => this.client.sendMessage(Buffer.from(JSON.stringify(body)).toString('base64'), { visibilityTimeout: delaySeconds }));
  }

  /** Takes up to `max` messages, hidden from other workers for `visibilitySeconds`. */
  async receive(max: number, visibilitySeconds: number): Promise<QueueMessage<T>[]> {
    await this.ensure();
    const response = await guard(() => this.client.receiveMessages({ numberOfMessages: max, visibilityTimeout: visibilitySeconds }));
    return response.receivedMessageItems.map((m) => ({
      body: JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as T,
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
    }));
  }

  async complete(message: QueueMessage<T>): Promise<void> {
    await guard(() => this.client.deleteMessage(message.messageId, message.popReceipt));
  }

  /** Puts the message back, visible again after `delaySeconds`. */
  async retryLater(message: QueueMessage<T>, delaySeconds: number): Promise<void> {
    await guard(() => this.client.updateMessage(message.messageId, message.popReceipt, undefined, delaySeconds));
  }

  async approximateCount(): Promise<number> {
    await this.ensure();
    const properties = await guard(() => this.client.getProperties());
    return properties.approximateMessagesCount ?? 0;
  }
}
