// The billing schedule (UTC), each run once per window across instances (table leases):
// - every morning: new invoices read, stored and reconciled (admins get each invoice's
//   reconciliation card once), then the Azure plans' unbilled daily usage stored as cost rows;
// - every morning a little later: on the first working day of a month, last month's
//   chargeback statements to each cost owner and the summary to the admins (once each).
import type { Logger } from '../logger.js';
import type { ChargebackService } from '../services/billing/chargeback.js';
import type { CspUsageSync } from '../services/billing/csp-usage.js';
import type { InvoiceService } from '../services/billing/invoices.js';
import type { ScheduledJob } from './scheduler.js';

export function billingJobs(d: {
  invoices: Pick<InvoiceService, 'refresh'>;
  usage: Pick<CspUsageSync, 'sync'>;
  chargeback: Pick<ChargebackService, 'sendStatements'>;
  /** The managed tenants (with admins). */
  tenants: () => string[];
  log: Logger;
}): ScheduledJob[] {
  return [
    {
      name: 'billing-refresh',
      pattern: '47 6 * * *',
      leaseMs: 60 * 60_000,
      run: async (now) => {
        const report = await d.invoices.refresh(d.tenants(), now);
        d.log.info({ invoices: report.invoices, reconciled: report.reconciled, problems: report.problems.length }, 'invoices refreshed');
        const usage = await d.usage.sync(d.tenants(), now);
        d.log.info({ tenants: usage.tenants, rows: usage.rows, problems: usage.problems.length }, 'CSP usage synced');
      },
    },
    {
      name: 'chargeback-statements',
      pattern: '15 8 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void d.log.info(await d.chargeback.sendStatements(d.tenants(), now), 'chargeback statements checked'),
    },
  ];
}
