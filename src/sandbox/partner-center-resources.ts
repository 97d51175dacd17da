// Partner Center resource shapes (JSON as the REST API returns it: links relative to /v1,
// `attributes.objectType`, collections as {totalCount, items}), held to the SDK models and REST
// reference in test/contracts/partner-center. Like the real service, the catalog carries no
// price (that is the price sheet, priceSheetCsv) and no Graph license.
import { money, multiply, sum } from '../domain/money.js';
import type { SeedOffer, SeedPartner } from './seed.js';
import { subscriptionQuantity, type SandboxOrder, type SandboxState, type SandboxSubscription, type SandboxTenant } from './state.js';

export const WINDOW_MS = 168 * 60 * 60 * 1000; // 7 days, the new-commerce cancellation window

export const link = (uri: string) => ({ uri, method: 'GET', headers: [] });
export const collection = (items: unknown[], self: string) => ({
  totalCount: items.length,
  items,
  links: { self: link(self) },
  attributes: { objectType: 'Collection' },
});

export const offerIdOf = (o: SeedOffer) => `${o.productId}:${o.skuId}:${o.availabilityId}`;

/** New commerce: a one-year term can be paid monthly or up front; a one-month term only monthly. */
export const billingCyclesOf = (o: SeedOffer) => (o.termDuration === 'P1Y' ? ['monthly', 'annual'] : ['monthly']);

export function uniqueProducts(catalog: SeedOffer[]): SeedOffer[] {
  return catalog.filter((o, i) => catalog.findIndex((x) => x.productId === o.productId) === i);
}

/**
 * A customer as its partner sees it. `associatedPartnerId` names the indirect reseller the
 * customer buys through (the Customer model's field); a direct customer has none.
 */
export function customerJson(state: SandboxState, partner: SeedPartner, customer: SandboxTenant) {
  const provider = partner.kind === 'indirect-reseller' ? state.partnerAccount(partner.providerTenantId ?? '') : partner;
  const reseller = provider ? state.resellerOf(provider, customer.id) : undefined;
  return {
    id: customer.id,
    commerceId: customer.id,
    companyProfile: {
      tenantId: customer.id,
      domain: customer.domain,
      companyName: customer.displayName,
      links: { self: link(`/customers/${customer.id}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
    relationshipToPartner: 'reseller',
    allowDelegatedAccess: true,
    userCredentials: null,
    customDomains: null,
    ...(reseller ? { associatedPartnerId: reseller.tenantId } : {}),
    links: { self: link(`/customers/${customer.id}`) },
    attributes: { objectType: 'Customer' },
  };
}

/** One PartnerRelationship (get-indirect-resellers, retrieve-a-list-of-indirect-resellers). */
export function relationshipJson(other: SeedPartner, relationshipType: 'IsIndirectCloudSolutionProviderOf' | 'IsIndirectResellerOf') {
  return {
    id: other.tenantId,
    name: other.companyName,
    relationshipType,
    state: 'Active',
    mpnId: other.mpnId,
    location: other.location,
    attributes: { objectType: 'PartnerRelationship' },
  };
}

export function productJson(customer: SandboxTenant, o: SeedOffer) {
  return {
    id: o.productId,
    title: o.title,
    description: o.title,
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    isMicrosoftProduct: true,
    publisherName: 'Microsoft Corporation',
    links: {
      skus: link(`/customers/${customer.id}/products/${o.productId}/skus`),
      self: link(`/customers/${customer.id}/products/${o.productId}`),
    },
    attributes: { objectType: 'Product' },
  };
}

export function skuJson(customer: SandboxTenant, o: SeedOffer) {
  return {
    id: o.skuId,
    productId: o.productId,
    title: o.title,
    description: o.title,
    minimumQuantity: o.minimumQuantity,
    maximumQuantity: o.maximumQuantity,
    isTrial: false,
    supportedBillingCycles: billingCyclesOf(o),
    purchasePrerequisites: [],
    inventoryVariables: [],
    provisioningVariables: [],
    actions: [],
    dynamicAttributes: { isAddon: false, isMicrosoftProduct: true, hasAddOns: false, isAutoRenewable: true, unitType: 'Licenses' },
    links: { availabilities: link(`/customers/${customer.id}/products/${o.productId}/skus/${o.skuId}/availabilities`) },
    attributes: { objectType: 'Sku' },
  };
}

export function availabilityJson(customer: SandboxTenant, o: SeedOffer) {
  return {
    id: o.availabilityId,
    productId: o.productId,
    skuId: o.skuId,
    catalogItemId: offerIdOf(o),
    defaultCurrency: { code: o.currency, symbol: o.currency === 'USD' ? '$' : o.currency },
    segment: 'commercial',
    country: 'US',
    isPurchasable: true,
    isRenewable: true,
    terms: [
      {
        duration: o.termDuration,
        description:
          o.termDuration === 'P1M' ? 'One-Month commitment for monthly billing' : `One-Year commitment for ${o.billingCycle} billing`,
        billingCycle: o.billingCycle,
        cancellationPolicies: [{ refundOptions: [{ sequenceId: 0, type: 'Full', expiresAfter: 'P7D' }] }],
      },
    ],
    links: { self: link(`/customers/${customer.id}/products/${o.productId}/skus/${o.skuId}/availabilities/${o.availabilityId}`) },
    attributes: { objectType: 'Availability' },
  };
}

/**
 * The end of the current term (inclusive, midnight UTC): the creation day plus whole terms,
 * rolled forward while auto-renewed terms have passed. Anniversaries keep the day of the
 * month, clamped to the month's last day (bought 31 December: 31 January, 28 February...).
 * (The sandbox does not model renewal itself: lots keep their purchase dates.)
 */
export function currentTermEnd(start: Date, termDuration: string, now: Date): Date {
  const months = termDuration === 'P1M' ? 1 : 12;
  for (let terms = 1; ; terms++) {
    const next = addMonthsClamped(start, terms * months);
    // The term ends the day before `next` (new-commerce end dates are inclusive).
    if (next.getTime() > now.getTime() || terms > 1200) return new Date(next.getTime() - 24 * 60 * 60 * 1000);
  }
}

/** Midnight UTC of `start`'s day, `months` later, the day clamped to that month's length. */
function addMonthsClamped(start: Date, months: number): Date {
  const monthIndex = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay)));
}

/** Lots still inside their 7-day window: the initial purchase refunds in full, a mid-term add in part. */
export function refundOptionsOf(s: SandboxSubscription, now: number): { type: 'Full' | 'Partial'; expiresAt: string }[] {
  return s.lots
    .filter((lot) => lot.quantity > 0 && now - lot.purchasedAt.getTime() < WINDOW_MS)
    .map((lot) => ({
      type: lot.purchasedAt.getTime() === s.creationDate.getTime() ? ('Full' as const) : ('Partial' as const),
      expiresAt: new Date(lot.purchasedAt.getTime() + WINDOW_MS).toISOString(),
    }))
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}

/** Seats still removable, per lot, with the moment each lot's window closes (Partner Center's own count). */
export function refundableQuantityOf(s: SandboxSubscription, now: number) {
  const details = s.lots
    .filter((lot) => lot.quantity > 0 && now - lot.purchasedAt.getTime() < WINDOW_MS)
    .map((lot) => ({ quantity: lot.quantity, allowedUntilDateTime: new Date(lot.purchasedAt.getTime() + WINDOW_MS).toISOString() }))
    .sort((a, b) => a.allowedUntilDateTime.localeCompare(b.allowedUntilDateTime));
  return { totalQuantity: details.reduce((sum, d) => sum + d.quantity, 0), details };
}

/** While every seat is inside its window, the whole subscription may be cancelled until the earliest window closes. */
function cancellationAllowedUntil(s: SandboxSubscription, now: number): string | undefined {
  const open = s.lots.filter((lot) => lot.quantity > 0);
  if (open.length === 0 || open.some((lot) => now - lot.purchasedAt.getTime() >= WINDOW_MS)) return undefined;
  const earliest = Math.min(...open.map((lot) => lot.purchasedAt.getTime()));
  return new Date(earliest + WINDOW_MS).toISOString();
}

/** The partner's new-commerce license-based price sheet (Market, view updatedlicensebased) as CSV: monthly and annual plans per term. */
export function priceSheetCsv(catalog: readonly SeedOffer[], market: string, today: Date): string {
  const header = [
    'ChangeIndicator',
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'BillingPlan',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'Tags',
    'ERP Price',
    'Segment',
  ];
  const monthStart = `${today.toISOString().slice(0, 7)}-01`;
  const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows: string[][] = [];
  for (const o of uniqueSkuTerms(catalog)) {
    const plans = o.termDuration === 'P1Y' ? (['Monthly', 'Annual'] as const) : (['Monthly'] as const);
    for (const [plan, price] of plans.map((p) => [p, planPrice(o, p)] as const))
      rows.push([
        'Unchanged',
        o.title,
        o.productId,
        o.skuId,
        o.title,
        'Microsoft Corporation',
        o.title,
        'Licenses',
        o.termDuration,
        plan!,
        market,
        o.currency,
        price!,
        '',
        '',
        monthStart,
        '',
        'License',
        price!,
        'Commercial',
      ]);
  }
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

/** The price sheet's price of one seat for a billing plan: the monthly price, or twelve of them for the annual plan. */
export function planPrice(offer: SeedOffer, plan: 'Monthly' | 'Annual'): string {
  return plan === 'Annual' ? (Number(offer.unitPrice) * 12).toFixed(2) : offer.unitPrice;
}

function uniqueSkuTerms(catalog: readonly SeedOffer[]): SeedOffer[] {
  return catalog.filter(
    (o, i) => catalog.findIndex((x) => x.productId === o.productId && x.skuId === o.skuId && x.termDuration === o.termDuration) === i,
  );
}

export function subscriptionJson(customer: SandboxTenant, s: SandboxSubscription, now: Date) {
  return {
    id: s.id,
    offerId: offerIdOf(s.offer),
    offerName: s.offer.title,
    friendlyName: s.friendlyName,
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    quantity: subscriptionQuantity(s),
    unitType: 'Licenses',
    hasPurchasableAddons: false,
    creationDate: s.creationDate.toISOString(),
    effectiveStartDate: s.creationDate.toISOString(),
    commitmentEndDate: `${currentTermEnd(s.creationDate, s.offer.termDuration, now).toISOString().slice(0, 10)}T00:00:00Z`,
    status: s.status,
    autoRenewEnabled: s.autoRenewEnabled,
    isTrial: false,
    billingType: 'license',
    billingCycle: s.billingCycle,
    termDuration: s.offer.termDuration,
    refundOptions: refundOptionsOf(s, now.getTime()),
    refundableQuantity: refundableQuantityOf(s, now.getTime()),
    ...(cancellationAllowedUntil(s, now.getTime()) ? { cancellationAllowedUntilDate: cancellationAllowedUntil(s, now.getTime()) } : {}),
    ...(s.scheduledNextTermInstructions
      ? {
          scheduledNextTermInstructions: {
            product: { ...s.scheduledNextTermInstructions.product },
            quantity: s.scheduledNextTermInstructions.quantity,
          },
        }
      : {}),
    isMicrosoftProduct: true,
    contractType: 'subscription',
    ...(s.orderId ? { orderId: s.orderId } : {}),
    links: { self: link(`/customers/${customer.id}/subscriptions/${s.id}`) },
    attributes: { objectType: 'Subscription' },
  };
}

const extendedPrice = (unitPrice: string, quantity: number) => multiply(money(unitPrice, 'USD'), quantity);

/**
 * A line's pricing as the SDK's Orders/Pricing shapes it. The emulator gives no discounts and
 * prorates nothing (a new subscription starts its term the day it is ordered), so the list,
 * discounted, prorated and final prices are the price sheet's; the extended price is price × quantity.
 */
function linePricing(unitPrice: string, quantity: number) {
  const price = Number(unitPrice);
  return {
    listPrice: price,
    discountedPrice: price,
    proratedPrice: price,
    price,
    extendedPrice: Number(extendedPrice(unitPrice, quantity).amount),
  };
}

/**
 * An order as Partner Center answers it. Prices (line `pricing`, `totalPrice`) only when the
 * caller asks with `include_price=true` ("whether to include price in the response, default
 * false": REST reference, Manage orders; the SDK's Orders.Get(includePrice)).
 */
export function orderJson(order: SandboxOrder, { includePrice = false }: { includePrice?: boolean } = {}) {
  return {
    id: order.id,
    referenceCustomerId: order.customerId,
    billingCycle: order.billingCycle,
    currencyCode: 'USD',
    currencySymbol: '$',
    lineItems: order.lineItems.map((l) => ({
      lineItemNumber: l.lineItemNumber,
      offerId: l.offerId,
      subscriptionId: l.subscriptionId,
      termDuration: l.termDuration,
      transactionType: l.transactionType,
      quantity: l.quantity,
      ...(includePrice && l.unitPrice !== undefined ? { pricing: linePricing(l.unitPrice, l.quantity) } : {}),
      links: { subscription: link(`/customers/${order.customerId}/subscriptions/${l.subscriptionId}`) },
    })),
    ...(includePrice && order.lineItems.length > 0 && order.lineItems.every((l) => l.unitPrice !== undefined)
      ? {
          totalPrice: Number(
            sum(
              order.lineItems.map((l) => extendedPrice(l.unitPrice!, l.quantity)),
              'USD',
            ).amount,
          ),
        }
      : {}),
    creationDate: order.creationDate.toISOString(),
    status: order.status,
    transactionType: 'UserPurchase',
    links: {
      self: link(`/customers/${order.customerId}/orders/${order.id}`),
      provisioningStatus: link(`/customers/${order.customerId}/orders/${order.id}/provisioningstatus`),
    },
    attributes: { objectType: 'Order' },
  };
}
