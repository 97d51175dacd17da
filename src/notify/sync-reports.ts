// Tells the chat where an admin typed `sync now` what the sync did, through the outbox
// (keyed by the job, so a job that runs twice tells once).
import { syncReportText } from '../bot/spend-views.js';
import type { SyncReport } from '../services/spend-contracts.js';
import type { SyncNowJob } from '../services/sync-now.js';
import type { DeliveryEngine } from './outbox.js';

export function syncReportTeller(engine: DeliveryEngine): (job: SyncNowJob, report: SyncReport) => Promise<void> {
  return async (job, report) => {
    await engine.deliver({
      kind: 'text',
      text: syncReportText(report),
      key: `sync-now|${job.id}`,
      tenantId: job.tenantId,
      conversationId: job.conversationId,
    });
  };
}
