// The seat watch: classifies each license the tenant subscribes to (ok, low, exhausted,
// warning, suspended) and tells the admins once per change of state, "back to normal" included.
// The states are remembered per tenant and replaced with their ETag before any card goes out,
// so of two instances looking at the same change only the one that stored it announces it.
import type { DirectoryPort } from '../connectors/ports.js';
import { seatAlertsToSend, type SeatState, type SeatThresholds, type SkuSeats } from '../domain/seat-alerts.js';
import type { Logger } from '../logger.js';
import type { SeatStates } from '../storage/alert-ledger.js';
import { productNameOf, type AdminAlerts } from './admin-alerts.js';
import type { CatalogService } from './catalog.js';
import type { RoleService } from './roles.js';

export interface SeatWatchDeps {
  directory: DirectoryPort;
  catalog: CatalogService;
  roles: RoleService;
  states: SeatStates;
  alerts: AdminAlerts;
  log: Logger;
  thresholds?: SeatThresholds;
}

export class SeatWatchService {
  constructor(private readonly deps: SeatWatchDeps) {}

  async run(now: Date): Promise<{ alerts: number; failed: number }> {
    const counts = { alerts: 0, failed: 0 };
    // Linked customers without admins of their own too: their partner's channel gets the alert.
    for (const tenantId of await this.deps.roles.watchedTenants()) {
      try {
        counts.alerts += await this.check(tenantId, now);
      } catch (error) {
        counts.failed++;
        this.deps.log.warn({ err: error, tenantId }, 'seat alerts: could not check this tenant');
      }
    }
    return counts;
  }

  /** One tenant: stores the new states, then sends a card per change. Returns the cards sent. */
  async check(tenantId: string, now: Date): Promise<number> {
    const [skus, offers] = await Promise.all([
      this.deps.directory.listSubscribedSkus(tenantId),
      this.deps.catalog.offers(tenantId).catch(() => []),
    ]);
    const current: SkuSeats[] = skus.map((s) => ({
      skuPartNumber: s.skuPartNumber,
      capabilityStatus: s.capabilityStatus,
      enabledUnits: s.enabledUnits,
      consumedUnits: s.consumedUnits,
    }));
    const changes = await this.deps.states.change(
      tenantId,
      (previous) => {
        const { alerts, states } = seatAlertsToSend(previous, current, this.deps.thresholds ? { thresholds: this.deps.thresholds } : {});
        if (alerts.length === 0 && sameStates(previous, states)) return undefined;
        return { states, result: alerts };
      },
      now,
    );
    let sent = 0;
    for (const alert of changes ?? []) {
      const reached = await this.deps.alerts.sendSeatChange({
        ...alert,
        tenantId,
        productName: productNameOf(offers, alert.skuPartNumber),
      });
      if (reached > 0) sent++;
      else this.deps.log.warn({ tenantId, sku: alert.skuPartNumber, state: alert.state }, 'seat alert reached no admin');
    }
    return sent;
  }
}

function sameStates(a: Readonly<Record<string, SeatState>>, b: Readonly<Record<string, SeatState>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
