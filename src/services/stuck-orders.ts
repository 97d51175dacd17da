// Marketplace orders that stay in Processing too long (the vendor never finishes): one alert
// per order to the tenant's admins, ever (the alert ledger is the dedupe key), with what to do.
import type { Clock } from '../clock.js';
import type { MarketplacePort } from '../connectors/ports.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';

export interface StuckOrderNotices {
  tellAdmins(tenantId: string, text: string): Promise<void>;
  /** Partner mode: the same alert in the tenant's partner's alert channel, naming the customer. */
  tellPartner?(tenantId: string, text: string, key: string): Promise<boolean>;
}

export class StuckOrderWatch {
  constructor(
    private readonly d: {
      marketplace: MarketplacePort;
      /** Tenants whose marketplace can be reached (ConnectionService.marketplaceTenants). */
      tenants: () => Promise<string[]>;
      ledger: AlertLedger;
      notices: StuckOrderNotices;
      /** How long an order may stay in Processing before it counts as stuck. */
      stuckAfterMinutes: number;
      /** A failed call (e.g. a 401 marks the connection "needs attention"). */
      noteFailure: (tenantId: string, error: unknown) => Promise<void>;
      log: Logger;
      clock: Clock;
    },
  ) {}

  async run(now = this.d.clock()): Promise<{ tenants: number; stuck: number; alerted: number }> {
    const result = { tenants: 0, stuck: 0, alerted: 0 };
    const limitMs = this.d.stuckAfterMinutes * 60_000;
    for (const tenantId of await this.d.tenants()) {
      result.tenants++;
      let orders;
      try {
        orders = await this.d.marketplace.listOrders(tenantId, { statuses: ['Processing'] });
      } catch (error) {
        await this.d.noteFailure(tenantId, error);
        this.d.log.warn({ tenantId, reason: error instanceof Error ? error.message : String(error) }, 'stuck-order check skipped a tenant');
        continue;
      }
      for (const order of orders) {
        const since = Date.parse(order.updatedAt ?? order.createdAt ?? '');
        if (!Number.isFinite(since) || now.getTime() - since < limitMs) continue;
        result.stuck++;
        if (!(await this.d.ledger.claim(tenantId, 'marketplace-order-stuck', order.id, { since: new Date(since).toISOString() }, now)))
          continue;
        const hours = Math.floor((now.getTime() - since) / 3600_000);
        const age = hours >= 1 ? `${hours} h` : `${Math.floor((now.getTime() - since) / 60_000)} min`;
        const text = `Marketplace order ${order.id} (${order.type}) has been Processing for ${age} (since ${new Date(since).toISOString().slice(0, 16).replace('T', ' ')} UTC), longer than the ${this.d.stuckAfterMinutes} minutes it should take. The vendor has not finished it. What to do: check the order in the Marketplace portal and, if nothing moves, contact SoftwareOne support with the order id. The request stays open and finishes by itself if the order completes.`;
        await this.d.notices.tellAdmins(tenantId, text);
        await this.d.notices.tellPartner?.(tenantId, text, `marketplace-order-stuck|${order.id}`);
        result.alerted++;
      }
    }
    return result;
  }
}
