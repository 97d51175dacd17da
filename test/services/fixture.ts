// Services of the license alerts wired like src/composition/license-alerts.ts, on Azurite tables of their own and a
// fresh sandbox per test, with the admin deliveries recorded instead of posted to Teams.
import { testClock } from '../harness/clock.js';
import { beforeEach } from 'vitest';
import type { DirectoryPort } from '../../src/connectors/ports.js';
import type { AdminAlerts, ReclaimReport, RenewalAlert, SeatChange, TermEndAlert } from '../../src/services/admin-alerts.js';
import { CatalogService } from '../../src/services/catalog.js';
import { PartnerCenterPriceSources } from '../../src/services/price-sources.js';
import { PriceSheetCache } from '../../src/storage/price-sheets.js';
import { ReclaimService } from '../../src/services/reclaim.js';
import { RenewalAlertService } from '../../src/services/renewal-alerts.js';
import { RoleService } from '../../src/services/roles.js';
import { SeatWatchService } from '../../src/services/seat-watch.js';
import { ActionLocks, AlertLedger, SeatStates } from '../../src/storage/alert-ledger.js';
import { AuditLog } from '../../src/storage/audit-log.js';
import { SettingsRepository } from '../../src/storage/settings.js';
import { TableStore } from '../../src/storage/table-store.js';
import { DEMO_TENANT_ID, DEMO_USERS, OTHER_TENANT_ID } from '../../src/sandbox/index.js';
import { sandboxPerTest, type SandboxFixture } from '../connectors/sandbox-connectors.js';
import { freshTableStore } from '../harness/storage.js';

export const ADMIN = { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO_USERS.alex.id, name: DEMO_USERS.alex.displayName };
export const NOT_ADMIN = { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO_USERS.isaiah.id, name: DEMO_USERS.isaiah.displayName };
/** A managed tenant the emulators do not know: its checks fail, the others still run. */
export const UNKNOWN_TENANT = '99999999-0000-4000-8000-000000000999';

/** Records what would have been posted; `reach` says how many admins a delivery reaches. */
export class RecordingAlerts implements AdminAlerts {
  reclaims: ReclaimReport[] = [];
  renewals: RenewalAlert[] = [];
  seatChanges: SeatChange[] = [];
  termEnds: TermEndAlert[] = [];
  reach = 1;
  async sendReclaim(report: ReclaimReport) {
    this.reclaims.push(report);
    return this.reach;
  }
  async sendRenewal(alert: RenewalAlert) {
    this.renewals.push(alert);
    return this.reach;
  }
  async sendTermEnd(alert: TermEndAlert) {
    this.termEnds.push(alert);
    return this.reach;
  }
  async sendSeatChange(change: SeatChange) {
    this.seatChanges.push(change);
    return this.reach;
  }
}

export interface AlertFixture {
  connectors: SandboxFixture;
  store: TableStore;
  roles: RoleService;
  audit: AuditLog;
  settings: SettingsRepository;
  ledger: AlertLedger;
  seatStates: SeatStates;
  alerts: RecordingAlerts;
  catalog: CatalogService;
  reclaim: ReclaimService;
  renewals: RenewalAlertService;
  seats: SeatWatchService;
  /** Another instance's services: same tables and sandbox, own caches. */
  secondInstance(directory?: DirectoryPort): {
    renewals: RenewalAlertService;
    seats: SeatWatchService;
    reclaim: ReclaimService;
    catalog: CatalogService;
  };
}

export function alertServicesPerTest(): AlertFixture {
  const connectors = sandboxPerTest();
  const fixture = { connectors } as AlertFixture;
  beforeEach(async () => {
    const store = await freshTableStore('a');
    const roles = new RoleService([
      { tenantId: DEMO_TENANT_ID, aadObjectId: ADMIN.aadObjectId },
      { tenantId: OTHER_TENANT_ID, aadObjectId: 'fab10000-0000-4000-8000-0000000000ad' },
      { tenantId: UNKNOWN_TENANT, aadObjectId: 'fab10000-0000-4000-8000-0000000000ae' },
    ]);
    const audit = new AuditLog(store);
    const settings = new SettingsRepository(store);
    const ledger = new AlertLedger(store);
    const seatStates = new SeatStates(store);
    const alerts = new RecordingAlerts();
    const build = (directory: DirectoryPort = connectors.directory) => {
      // Prices as in sandbox mode: the emulator's price sheet as the fallback price list.
      const catalog = new CatalogService(
        connectors.commerce,
        directory,
        new PartnerCenterPriceSources({
          cache: new PriceSheetCache(store),
          settings,
          fallback: { csv: connectors.sandbox.priceListCsv, name: 'the sandbox price sheet' },
          market: 'US',
          clock: testClock,
          log: connectors.log,
        }),
      );
      const log = connectors.log;
      return {
        catalog,
        reclaim: new ReclaimService({
          clock: testClock,
          directory,
          commerce: connectors.commerce,
          catalog,
          settings,
          roles,
          audit,
          locks: new ActionLocks(store),
          alerts,
          log,
        }),
        renewals: new RenewalAlertService({ directory, commerce: connectors.commerce, catalog, roles, ledger, alerts, log }),
        seats: new SeatWatchService({ directory, catalog, roles, states: seatStates, alerts, log }),
      };
    };
    Object.assign(fixture, { store, roles, audit, settings, ledger, seatStates, alerts, ...build(), secondInstance: build });
  });
  return fixture;
}
