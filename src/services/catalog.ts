// What can be requested, at what price, and how many seats are free right now.
import type { CatalogOffer, CommercePort, DirectoryPort, SubscribedSku } from '../connectors/ports.js';

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
  private readonly cache = new Map<string, { at: number; offers: CatalogOffer[] }>();
  private readonly skuCache = new Map<string, { at: number; skus: SubscribedSku[] }>();

  constructor(
    private readonly commerce: CommercePort,
    private readonly directory: DirectoryPort,
  ) {}

  /** The tenant's catalog, cached for a few minutes (prices rarely change within a chat). */
  async offers(tenantId: string): Promise<CatalogOffer[]> {
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.at < CATALOG_TTL_MS) return cached.offers;
    const offers = (await this.commerce.listOffers(tenantId)).sort((a, b) => a.name.localeCompare(b.name));
    this.cache.set(tenantId, { at: Date.now(), offers });
    return offers;
  }

  async offer(tenantId: string, offerId: string): Promise<CatalogOffer | undefined> {
    return (await this.offers(tenantId)).find((o) => o.offerId.toLowerCase() === offerId.toLowerCase());
  }

  /** Seats of the license an offer grants; undefined when the tenant has no such SKU yet. */
  async seats(tenantId: string, skuPartNumber: string): Promise<SeatCount | undefined> {
    const sku = findSku(await this.directory.listSubscribedSkus(tenantId), skuPartNumber);
    return sku && seatCount(sku);
  }

  /** Free seats for showing on a card: recent enough, and never an error (undefined instead). */
  async freeSeatsForDisplay(tenantId: string, skuPartNumber: string): Promise<number | undefined> {
    try {
      const cached = this.skuCache.get(tenantId);
      const skus = cached && Date.now() - cached.at < SEATS_TTL_MS ? cached.skus : await this.directory.listSubscribedSkus(tenantId);
      if (!cached || cached.skus !== skus) this.skuCache.set(tenantId, { at: Date.now(), skus });
      const sku = findSku(skus, skuPartNumber);
      return sku ? seatCount(sku).free : 0;
    } catch {
      return undefined;
    }
  }
}

function findSku(skus: SubscribedSku[], skuPartNumber: string): SubscribedSku | undefined {
  return skus.find((s) => s.skuPartNumber.toLowerCase() === skuPartNumber.toLowerCase());
}

export function seatCount(sku: SubscribedSku): SeatCount {
  return { skuId: sku.skuId, total: sku.enabledUnits, used: sku.consumedUnits, free: Math.max(0, sku.enabledUnits - sku.consumedUnits) };
}
