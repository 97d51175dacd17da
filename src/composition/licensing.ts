// Licenses: requests and their approvals, subscription seat changes, fulfilment from the
// `fulfilment` queue (Partner Center purchases, and marketplace products whose vendor
// assigns the seats), reminders, the sweep for approvals whose job never arrived, and
// the watch for marketplace orders stuck in Processing. Approval cards and outcomes go out
// through the outbox.
import type { ScheduledJob } from '../jobs/scheduler.js';
import { marketplaceJobs } from '../jobs/marketplace-jobs.js';
import { QueueWorker } from '../jobs/queue-worker.js';
import { TeamsRequestNotifier } from '../notify/request-notifier.js';
import { ApprovalService } from '../services/approvals.js';
import { FulfilmentService } from '../services/fulfilment.js';
import { ReminderService } from '../services/reminders.js';
import { RequestService, type FulfilmentJob } from '../services/requests.js';
import { SeatReservations } from '../services/seat-reservations.js';
import { LicenseUnitService } from '../services/license-units.js';
import { UnitOverQuotaStates } from '../storage/license-units.js';
import { StalledApprovals } from '../services/stalled-approvals.js';
import { StuckOrderWatch } from '../services/stuck-orders.js';
import { SubscriptionService } from '../services/subscriptions.js';
import { VendorFulfilment } from '../services/vendor-fulfilment.js';
import { PurchaseLocks } from '../storage/purchase-locks.js';
import { RequestRepository, type StoredRequest } from '../storage/requests.js';
import { SeatLotRepository } from '../storage/seat-lots.js';
import type { Catalog } from './catalog.js';
import type { Connections } from './connections.js';
import type { Outbox } from './outbox.js';
import type { Platform } from './platform.js';
import type { QueueWork } from './queue-work.js';
import type { Timings } from './timings.js';

export type Licensing = ReturnType<typeof wireLicensing>;

export function wireLicensing(
  p: Platform,
  outbox: Outbox,
  { catalog, policies, licenseSettings }: Catalog,
  { connections, partners }: Connections,
  timings: Timings,
) {
  const { config, connectors, store, clock, roles, audit, settings, log } = p;
  const { commerce, directory, marketplace } = connectors;
  const requests = new RequestRepository(store);
  const notifier = new TeamsRequestNotifier({
    messenger: outbox.messenger,
    conversations: p.conversations,
    cardRefs: outbox.cardRefs,
    settings,
    roles,
    catalog,
    cards: p.teams.cards,
    log,
    // Built below (it tells people through this notifier); only called once requests flow.
    unitQuota: (request: StoredRequest): Promise<{ seats: number; used: number } | undefined> => requestService.unitQuotaNow(request),
  });

  // Approved work goes on the `fulfilment` queue (grouped: the jobs of turns that end together
  // travel in one message) and this instance's worker is nudged. The service that handles a job
  // is built below, from the services that queue them.
  const fulfilmentQueue = p.queues.queue<FulfilmentJob>('fulfilment', { groupSends: true });
  const worker = new QueueWorker<FulfilmentJob>({
    name: 'fulfilment',
    queue: fulfilmentQueue,
    handle: (job) => fulfilment.handle(job),
    onPoison: (job, error) => fulfilment.giveUp(job, error),
    log,
    // Throttling and outages of the commerce APIs delay a request, they do not fail it.
    maxAttempts: 40,
    idlePollMs: timings.queueIdlePollMs,
  });
  const enqueueFulfilment = async (job: FulfilmentJob) => {
    await fulfilmentQueue.send(job);
    worker.nudge();
  };
  const noteMarketplaceFailure = (tenantId: string, error: unknown) => connections.noteMarketplaceFailure(tenantId, error);

  // Seat counts are absolute: license purchases and admins' seat changes take turns per subscription.
  const locks = new PurchaseLocks(store);
  const seatReservations = new SeatReservations({ locks, requests, catalog, clock, log });
  // Delegated units: quotas per department / group / administrative unit, decided by their license admins.
  const units = new LicenseUnitService({
    units: p.licenseUnits,
    overStates: new UnitOverQuotaStates(store),
    directory,
    catalog,
    requests,
    roles,
    audit,
    locks,
    clock,
    tell: (tenantId: string, people: readonly string[], text: string, key: string): Promise<void> =>
      notifier.tellPeople(tenantId, people, text, key),
  });
  const requestService = new RequestService({
    units,
    seatReservations,
    clock,
    catalog,
    directory,
    requests,
    policies,
    roles,
    audit,
    notifications: notifier,
    enqueueFulfilment,
    licenseSettings,
  });
  const approvals = new ApprovalService({ clock, requests, audit, notifications: notifier, enqueueFulfilment, units });
  const subscriptions = new SubscriptionService({
    clock,
    commerce,
    directory,
    catalog,
    seatLots: new SeatLotRepository(store),
    requests,
    requestService,
    policies,
    roles,
    audit,
    locks,
    log,
    ...(marketplace && { marketplace }),
  });
  // Marketplace products: the vendor assigns seats by e-mail; orders are followed from the queue.
  const vendor = marketplace
    ? new VendorFulfilment({
        clock,
        commerce,
        marketplace,
        requests,
        locks,
        notifications: notifier,
        roles,
        audit,
        enqueueFulfilment,
        noteFailure: noteMarketplaceFailure,
        log,
        followUpSeconds: timings.marketplace.followUpSeconds,
        waitMs: timings.marketplace.orderWaitMs,
      })
    : undefined;
  const fulfilment = new FulfilmentService({
    clock,
    catalog,
    commerce,
    directory,
    requests,
    policies,
    audit,
    notifications: notifier,
    subscriptionChanges: subscriptions,
    locks,
    log,
    purchaseAccount: (tenantId) => partners.purchaseAccount(tenantId),
    ...(vendor && { vendor }),
    seatReservations,
    approvalIfPurchase: (request) => requestService.approvalIfPurchase(request),
    autoPurchase: async (tenantId) => (await licenseSettings.of(tenantId)).autoPurchase,
    enqueueFulfilment,
  });
  const reminders = new ReminderService({ requests, notifications: notifier, audit });
  const stalledApprovals = new StalledApprovals({ requests, enqueueFulfilment, log });
  const stuckOrders = marketplace
    ? new StuckOrderWatch({
        clock,
        marketplace,
        tenants: () => connections.marketplaceTenants(),
        ledger: p.alertLedger,
        notices: {
          tellAdmins: (tenantId, text) => notifier.tellAdmins(tenantId, text),
          tellPartner: (tenantId, text, key) => outbox.adminCards.tellPartner(tenantId, text, key),
        },
        stuckAfterMinutes: config.marketplace?.stuckOrderMinutes ?? 120,
        noteFailure: noteMarketplaceFailure,
        log,
      })
    : undefined;

  const jobs: ScheduledJob[] = [
    {
      name: 'request-reminders',
      pattern: '*/15 * * * *',
      leaseMs: 10 * 60_000,
      run: async (now) => void log.info(await reminders.run(now), 'reminders sent'),
    },
    // Approved requests whose job never reached the queue (a stop in between) are queued again.
    {
      name: 'stalled-approvals',
      pattern: '*/5 * * * *',
      leaseMs: 4 * 60_000,
      run: async (now) => void log.info(await stalledApprovals.run(now), 'stalled approvals checked'),
    },
    // People moved between units carry their licenses: a unit pushed over its quota alerts once.
    {
      name: 'unit-quotas',
      pattern: '7,37 * * * *',
      leaseMs: 10 * 60_000,
      run: async () => void log.info({ alerts: await units.checkAll() }, 'unit quotas checked'),
    },
    // Requests waiting for seats (auto-purchase off) whose seats were added outside Quartermaster.
    {
      name: 'seat-waiters',
      pattern: '20 * * * *',
      leaseMs: 20 * 60_000,
      run: async () => void log.info(await fulfilment.recheckWaiting(), 'requests waiting for seats checked'),
    },
    ...(stuckOrders ? marketplaceJobs({ stuckOrders, log }) : []),
  ];

  return {
    requests,
    notifier,
    requestService,
    approvals,
    units,
    subscriptions,
    reminders,
    stalledApprovals,
    fulfilment,
    ...(vendor && stuckOrders && { marketplace: { vendor, stuckOrders } }),
    vendor,
    work: { worker } satisfies QueueWork,
    jobs,
  };
}
