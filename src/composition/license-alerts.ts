// License alerts, as cards to every admin's 1:1 chat: who holds licenses they no longer use
// (reclaim), renewals with unused seats, and changes of seat state. Each job runs under a
// table lease; the alert ledger sends each alert once.
import { licenseAlertJobs } from '../jobs/license-alert-jobs.js';
import { ReclaimService } from '../services/reclaim.js';
import { RenewalAlertService } from '../services/renewal-alerts.js';
import { RenewalDecreaseService, renewalDecreaseRefusalText, renewalDecreaseText } from '../services/renewal-decreases.js';
import { SeatWatchService } from '../services/seat-watch.js';
import { ActionLocks, SeatStates } from '../storage/alert-ledger.js';
import type { Catalog } from './catalog.js';
import type { Licensing } from './licensing.js';
import type { Outbox } from './outbox.js';
import type { Platform } from './platform.js';

export type LicenseAlerts = ReturnType<typeof wireLicenseAlerts>;

export function wireLicenseAlerts(p: Platform, { adminCards }: Outbox, { catalog, licenseSettings }: Catalog, { notifier }: Licensing) {
  const { connectors, store, roles, log } = p;
  const { directory, commerce, marketplace } = connectors;
  const reclaim = new ReclaimService({
    clock: p.clock,
    directory,
    commerce,
    ...(marketplace && { marketplace }),
    catalog,
    settings: p.settings,
    roles,
    audit: p.audit,
    locks: new ActionLocks(store),
    alerts: adminCards,
    log,
  });
  const renewals = new RenewalAlertService({ directory, commerce, catalog, roles, ledger: p.alertLedger, alerts: adminCards, log });
  const seats = new SeatWatchService({ directory, catalog, roles, states: new SeatStates(store), alerts: adminCards, log });
  // Auto-decrease (license settings): the renewal seats of each subscription set to the seats people hold.
  const renewalDecreases = new RenewalDecreaseService({
    clock: p.clock,
    tenants: () => roles.tenants(),
    settings: licenseSettings,
    renewals,
    commerce,
    ledger: p.alertLedger,
    audit: p.audit,
    tell: async (notice) => {
      const text = renewalDecreaseText(notice);
      await notifier.tellAdmins(notice.tenantId, text, notice.key);
      await adminCards.tellPartner(notice.tenantId, text, notice.key);
    },
    // Partner Center refused the schedule: the same people, with the reason and the fix (the partner's copy names the customer).
    tellRefusal: async (refusal) => {
      const text = renewalDecreaseRefusalText(refusal);
      await notifier.tellAdmins(refusal.tenantId, text, refusal.key);
      await adminCards.tellPartner(refusal.tenantId, text, refusal.key);
    },
    log,
  });
  return {
    reclaim,
    renewals,
    seats,
    renewalDecreases,
    ledger: p.alertLedger,
    jobs: licenseAlertJobs({ reclaim, renewals, seats, renewalDecreases, log }),
  };
}
