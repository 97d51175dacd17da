// What can be requested, at what price, and how many seats are free right now. Partner Center
// items get their Graph license from the SKU map (Microsoft's licensing reference, then the
// admin's overrides) and their price from the price sheet (or the configured price list); an
// item missing either is kept aside as "not orderable", with why, never silently dropped.
import type { CatalogItem, CatalogOffer, CommercePort, DirectoryPort, Price, SubscribedSku } from '../connectors/ports.js';
import { mapSku, type SkuOverride } from '../domain/catalog/sku-map.js';
import { withMargin } from '../domain/margin.js';
import { KeptFor, SingleFlight } from '../single-flight.js';

/** An offer of the catalog, as request forms and views show it. */
export type { CatalogOffer };

/** Where Partner Center items get their license and price (see price-sources.ts). */
export interface CatalogSources {
  skuOverrides(tenantId: string): Promise<SkuOverride[]>;
  /** Price per seat per month of a Partner Center item, and where the prices came from (or why there are none). */
  prices(tenantId: string): Promise<ItemPrices>;
}

export interface ItemPrices {
  priceOf(item: CatalogItem): Price | undefined;
  source: 'price-sheet' | 'price-list' | 'none';
  /** YYYY-MM-DD of the price data (the price sheet's download day). */
  asOf?: string;
  /** Why the price sheet could not be used, in words an admin can act on. */
  problem?: string;
}

/** An item that cannot be ordered yet, and why. */
export interface UnorderableItem {
  item: CatalogItem;
  reason: 'unmapped' | 'no-price';
}

export interface CatalogState {
  offers: CatalogOffer[];
  unorderable: UnorderableItem[];
  prices: Omit<ItemPrices, 'priceOf'>;
}

const REFERENCE_ONLY: CatalogSources = {
  skuOverrides: async () => [],
  prices: async () => ({ priceOf: () => undefined, source: 'none', problem: 'No price source is configured.' }),
};

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
  /** Each tenant's catalog at what Partner Center charges (no margin): the slow part, kept a few minutes. */
  private readonly catalogs = new KeptFor<CatalogState>(CATALOG_TTL_MS);
  /** Partner mode: the margin a customer tenant's prices carry over Partner Center's (set once the pricing store exists). */
  private marginOf?: (tenantId: string) => Promise<string | undefined>;
  /** Margin reads arriving together share one read of the stored rows. */
  private readonly marginReads = new SingleFlight<string | undefined>();
  /** The last catalog priced with a margin, per tenant: reused while neither the kept catalog nor the margin changed. */
  private readonly priced = new Map<string, { base: CatalogState; margin: string; state: CatalogState }>();
  /** SKUs recent enough for showing on cards. */
  private readonly recentSkus = new KeptFor<SubscribedSku[]>(SEATS_TTL_MS);
  private readonly skuReads = new SingleFlight<SubscribedSku[]>();

  constructor(
    private readonly commerce: CommercePort,
    private readonly directory: DirectoryPort,
    private readonly sources: CatalogSources = REFERENCE_ONLY,
  ) {}

  /** The tenant's orderable offers, cached for a few minutes (prices rarely change within a chat). */
  async offers(tenantId: string): Promise<CatalogOffer[]> {
    return (await this.state(tenantId)).offers;
  }

  /** Orderable offers, the items that are not (unmapped, unpriced) and where prices came from. */
  async state(tenantId: string): Promise<CatalogState> {
    // The margin is read from storage on every call, not kept with the catalog: a margin changed
    // on any instance prices the next request form on every instance.
    const [base, margin] = await Promise.all([this.catalogs.get(tenantId, () => this.load(tenantId)), this.currentMargin(tenantId)]);
    if (margin === undefined) return base;
    const kept = this.priced.get(tenantId);
    if (kept && kept.base === base && kept.margin === margin) return kept.state;
    const state = withMarginOn(base, margin);
    this.priced.set(tenantId, { base, margin, state });
    return state;
  }

  private async currentMargin(tenantId: string): Promise<string | undefined> {
    const marginOf = this.marginOf;
    return marginOf ? this.marginReads.run(tenantId, () => marginOf(tenantId)) : undefined;
  }

  /**
   * Partner mode: the tenant's Partner Center prices carry its margin (its own, else its
   * reseller's); the cost stays on the offer for the partner's eyes. Marketplace items keep the
   * marketplace's price: the margin is on what Partner Center charges.
   */
  priceWithMargins(marginOf: (tenantId: string) => Promise<string | undefined>): void {
    this.marginOf = marginOf;
  }

  /** Forgets the cached catalog (an admin changed a mapping; a margin needs no forgetting, it is read on every call). */
  forget(tenantId: string): void {
    this.catalogs.delete(tenantId);
    this.priced.delete(tenantId);
  }

  private async load(tenantId: string): Promise<CatalogState> {
    const items = (await this.commerce.listOffers(tenantId)).sort((a, b) => a.name.localeCompare(b.name));
    const needsSources = items.some((i) => i.skuPartNumber === undefined || i.unitPrice === undefined);
    const [overrides, prices] = needsSources
      ? await Promise.all([this.sources.skuOverrides(tenantId), this.sources.prices(tenantId)])
      : [[], { priceOf: () => undefined, source: 'none' as const }];
    const offers: CatalogOffer[] = [];
    const unorderable: UnorderableItem[] = [];
    for (const item of items) {
      const mapping = item.skuPartNumber !== undefined ? { skuPartNumber: item.skuPartNumber } : mapSku(item, overrides);
      if (!('skuPartNumber' in mapping)) {
        unorderable.push({ item, reason: 'unmapped' });
        continue;
      }
      const unitPrice = item.unitPrice ?? prices.priceOf(item);
      if (!unitPrice) {
        unorderable.push({ item: { ...item, skuPartNumber: mapping.skuPartNumber }, reason: 'no-price' });
        continue;
      }
      offers.push({ ...item, skuPartNumber: mapping.skuPartNumber, unitPrice });
    }
    const { priceOf: _priceOf, ...priceInfo } = prices;
    return { offers, unorderable, prices: priceInfo };
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

/** The catalog as a customer with a margin sees it: Partner Center prices carry it, the cost kept beside; marketplace prices are the marketplace's. */
function withMarginOn(base: CatalogState, margin: string): CatalogState {
  const offers = base.offers.map((o) =>
    o.provider === 'marketplace' ? o : { ...o, cost: o.unitPrice, marginPercent: margin, unitPrice: withMargin(o.unitPrice, margin) },
  );
  return { ...base, offers };
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
