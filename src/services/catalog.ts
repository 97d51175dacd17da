// What can be requested, at what price, and how many seats are free right now.
import type { CatalogOffer, CommercePort, DirectoryPort, SubscribedSku } from '../connectors/ports.js';
import { KeptFor, SingleFlight } from '../single-flight.js';

/** An offer of the catalog, as request forms and views show it. */
export type { CatalogOffer };

export interface SeatCount {
  skuId: string;
  total: number;
  used: number;
  free: number;
}

const CATALOG_TTL_MS = 5 * 60_000;
// Seat counts change with every assignment: cache them only long enough to absorb a burst
// of card refreshes.
const SEATS_TTL_MS = 30_000;

export class CatalogService {
  private readonly catalogs = new KeptFor<CatalogOffer[]>(CATALOG_TTL_MS);
  /** SKUs recent enough for showing on cards. */
  private readonly recentSkus = new KeptFor<SubscribedSku[]>(SEATS_TTL_MS);
  private readonly skuReads = new SingleFlight<SubscribedSku[]>();

  constructor(
    private readonly commerce: CommercePort,
    private readonly directory: DirectoryPort,
  ) {}

  /** The tenant's catalog, cached for a few minutes (prices rarely change within a chat). */
  async offers(tenantId: string): Promise<CatalogOffer[]> {
    return this.catalogs.get(tenantId, async () => (await this.commerce.listOffers(tenantId)).sort((a, b) => a.name.localeCompare(b.name)));
  }

  async offer(tenantId: string, offerId: string): Promise<CatalogOffer | undefined> {
    return (await this.offers(tenantId)).find((o) => o.offerId.toLowerCase() === offerId.toLowerCase());
  }

  /** Seats of the license an offer grants; undefined when the tenant has no such SKU yet. */
  async seats(tenantId: string, skuPartNumber: string): Promise<SeatCount | undefined> {
    return this.seatsFrom(tenantId, skuPartNumber, () => this.directory.listSubscribedSkus(tenantId));
  }

  /**
   * Seats for deciding on a new request: submissions arriving together share one Graph read
   * (a read already under way, never an older one). Fulfilment re-reads with seats() under its lock.
   */
  async seatsForDecision(tenantId: string, skuPartNumber: string): Promise<SeatCount | undefined> {
    return this.seatsFrom(tenantId, skuPartNumber, () => this.skuReads.run(tenantId, () => this.directory.listSubscribedSkus(tenantId)));
  }

  private async seatsFrom(
    tenantId: string,
    skuPartNumber: string,
    readSkus: () => Promise<SubscribedSku[]>,
  ): Promise<SeatCount | undefined> {
    if (isVendorSeat(skuPartNumber)) return this.vendorSeats(tenantId, skuPartNumber);
    const sku = findSku(await readSkus(), skuPartNumber);
    return sku && seatCount(sku);
  }

  /** Marketplace items: does this e-mail already hold one of the item's vendor-assigned seats? */
  async holdsVendorSeat(tenantId: string, skuPartNumber: string, email: string): Promise<boolean> {
    if (!isVendorSeat(skuPartNumber) || !email) return false;
    const offerId = `mkt:${skuPartNumber.slice('MKT:'.length)}`;
    const subscriptions = await this.commerce.listSubscriptions(tenantId);
    return subscriptions.some(
      (s) =>
        s.offerId.toLowerCase() === offerId.toLowerCase() &&
        s.status === 'active' &&
        (s.assignedEmails ?? []).some((e) => e.toLowerCase() === email.toLowerCase()),
    );
  }

  /** A marketplace item's seats: the tenant's active subscriptions of it, e-mails holding seats as used. */
  private async vendorSeats(tenantId: string, skuPartNumber: string): Promise<SeatCount | undefined> {
    const offerId = `mkt:${skuPartNumber.slice('MKT:'.length)}`;
    const subscriptions = (await this.commerce.listSubscriptions(tenantId)).filter(
      (s) => s.offerId.toLowerCase() === offerId.toLowerCase() && s.status === 'active',
    );
    if (subscriptions.length === 0) return undefined;
    const total = subscriptions.reduce((n, s) => n + s.quantity, 0);
    const used = subscriptions.reduce((n, s) => n + (s.assignedEmails?.length ?? 0), 0);
    return { skuId: skuPartNumber, total, used, free: Math.max(0, total - used) };
  }

  /** Free seats for showing on a card: recent enough, and never an error (undefined instead). */
  async freeSeatsForDisplay(tenantId: string, skuPartNumber: string): Promise<number | undefined> {
    try {
      const seats = await this.seatsFrom(tenantId, skuPartNumber, () =>
        this.recentSkus.get(tenantId, () => this.directory.listSubscribedSkus(tenantId)),
      );
      return seats?.free ?? 0;
    } catch {
      return undefined;
    }
  }
}

/** Marketplace offers grant no Graph license: their part number is "MKT:<itemId>", the seats the vendor's. */
function isVendorSeat(skuPartNumber: string): boolean {
  return skuPartNumber.toUpperCase().startsWith('MKT:');
}

function findSku(skus: SubscribedSku[], skuPartNumber: string): SubscribedSku | undefined {
  return skus.find((s) => s.skuPartNumber.toLowerCase() === skuPartNumber.toLowerCase());
}

export function seatCount(sku: SubscribedSku): SeatCount {
  return { skuId: sku.skuId, total: sku.enabledUnits, used: sku.consumedUnits, free: Math.max(0, sku.enabledUnits - sku.consumedUnits) };
}
