// Seed of the Marketplace Platform emulator: API tokens per tenant, the catalog (items of
// several vendors, each with how its vendor behaves when an order reaches it), agreements
// and one running subscription of the demo tenant. Ids follow the platform's shapes
// (ITM-, PRD-, AGR-, SUB-, LCE-, ACC-). Tokens are sandbox-only, obviously fake.
import { DEMO_TENANT_ID, OTHER_TENANT_ID } from './seed.js';

/** What the vendor does with an order for this item once it is Processing. */
export type VendorBehaviour =
  | { kind: 'completes' }
  /** On a new Purchase, asks once for fulfilment parameters (Querying), validates the answer, then completes. */
  | { kind: 'queries'; parameters: MarketplaceSeedParameter[] }
  /** Fails every order with this reason (statusNotes). */
  | { kind: 'fails'; reason: string }
  /** Never finishes: stays Processing (for the stuck-order alert). */
  | { kind: 'stuck' };

export interface MarketplaceSeedParameter {
  id: string;
  externalId: string;
  name: string;
  description: string;
  type: 'email' | 'text' | 'choice';
  /** JavaScript regular expression the value must match (whole value). */
  pattern?: string;
  options?: string[];
  /** What the vendor says when the value is wrong. */
  error: string;
}

export interface MarketplaceSeedItem {
  id: string;
  name: string;
  product: { id: string; name: string; vendor: { id: string; name: string } };
  /**
   * What the vendor charges SoftwareOne per unit and billing period (`unitPP`): the vendor side,
   * never shown to a client account. Clients see the sales price derived from it (salesPrice).
   */
  purchasePrice: { amount: string; currency: string };
  terms: { period: '1m' | '1y'; commitment: '1m' | '1y' };
  /** Sandbox extension: seats are assigned by the vendor to users' e-mail addresses (not Graph licenses). */
  assignment: 'vendor';
  /** Adobe VIP style: quantity may only go down (or the subscription end) in the 14 days after an anniversary. */
  downsizeOnlyAtAnniversary?: boolean;
  vendorBehaviour: VendorBehaviour;
}

export interface MarketplaceSeedToken {
  token: string;
  /** The tenant the token's account belongs to (the connector's customerId). */
  customerId: string;
  accountId: string;
  licensee: { id: string; name: string };
  expired?: boolean;
}

export interface MarketplaceSeedAgreement {
  id: string;
  name: string;
  customerId: string;
  productId: string;
  /** The PO number ("Additional ID"); absent = none yet. */
  purchaseOrderNumber?: string;
}

export interface MarketplaceSeedSubscription {
  id: string;
  customerId: string;
  agreementId: string;
  itemId: string;
  quantity: number;
  startedDaysAgo: number;
  autoRenew: boolean;
  assignedEmails: string[];
}

export interface MarketplaceSeed {
  tokens: MarketplaceSeedToken[];
  items: MarketplaceSeedItem[];
  agreements: MarketplaceSeedAgreement[];
  subscriptions: MarketplaceSeedSubscription[];
}

/** Sandbox API tokens (fake): the demo tenant's, an expired one, and another tenant's. */
export const MARKETPLACE_TOKENS = {
  demo: 'idt:TKN-5100-0001:sandbox-demo-token-not-real',
  expired: 'idt:TKN-5100-0002:sandbox-expired-token-not-real',
  other: 'idt:TKN-5100-0003:sandbox-other-tenant-token-not-real',
} as const;

export const MARKETPLACE_PRODUCTS = {
  adobe: 'PRD-1111-1111',
  miro: 'PRD-2222-2222',
  zoom: 'PRD-3333-3333',
  autodesk: 'PRD-4444-4444',
} as const;

export const MARKETPLACE_ITEMS = {
  /** Adobe, downsize only at anniversary; the demo tenant's running subscription. */
  acrobatPro: 'ITM-1111-1111-0001',
  /** Adobe, downsize only at anniversary; a new Purchase goes through Querying once (admin e-mail). */
  creativeCloud: 'ITM-1111-1111-0002',
  /** Completes on the clock. */
  miroBusiness: 'ITM-2222-2222-0001',
  /** Every order Fails with a vendor reason in statusNotes. */
  zoomPro: 'ITM-3333-3333-0001',
  /** Orders stay in Processing forever. */
  autocadLt: 'ITM-4444-4444-0001',
} as const;

export const MARKETPLACE_AGREEMENTS = {
  /** The demo tenant's Adobe agreement, no PO number yet. */
  demoAdobe: 'AGR-5100-0000-0001',
} as const;

export const MARKETPLACE_SUBSCRIPTIONS = {
  /** Acrobat Pro for teams, 10 seats, started 200 days ago (outside the anniversary window). */
  demoAcrobat: 'SUB-5100-0000-0001',
} as const;

export const MARKETPLACE_LICENSEES = {
  demo: { id: 'LCE-5100-0001', name: 'Contoso (demo)' },
  other: { id: 'LCE-5100-0002', name: 'Fabrikam' },
} as const;

/** The Querying case: the value Adobe accepts must look like an e-mail address. */
export const ADOBE_ADMIN_EMAIL_PARAMETER: MarketplaceSeedParameter = {
  id: 'PRM-1111-1111-0001',
  externalId: 'adobeAdminEmail',
  name: 'Adobe admin e-mail',
  description:
    'The e-mail address of the person who administers Adobe licenses for your organization (they receive the Adobe Admin Console invitation).',
  type: 'email',
  pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  error: 'Adobe did not accept this value: enter an e-mail address such as admin@contoso.com.',
};

export const ZOOM_FAILURE_REASON =
  'Zoom rejected the order: the licensee country is not supported by this reseller program. Ask SoftwareOne support to enable the licensee for Zoom, then order again.';

const adobe = {
  id: MARKETPLACE_PRODUCTS.adobe,
  name: 'Adobe VIP Marketplace for Commercial',
  vendor: { id: 'ACC-1111-1111', name: 'Adobe' },
};

export function marketplaceSeed(): MarketplaceSeed {
  return {
    tokens: [
      {
        token: MARKETPLACE_TOKENS.demo,
        customerId: DEMO_TENANT_ID,
        accountId: 'ACC-5100-0001',
        licensee: { ...MARKETPLACE_LICENSEES.demo },
      },
      {
        token: MARKETPLACE_TOKENS.expired,
        customerId: DEMO_TENANT_ID,
        accountId: 'ACC-5100-0001',
        licensee: { ...MARKETPLACE_LICENSEES.demo },
        expired: true,
      },
      {
        token: MARKETPLACE_TOKENS.other,
        customerId: OTHER_TENANT_ID,
        accountId: 'ACC-5100-0002',
        licensee: { ...MARKETPLACE_LICENSEES.other },
      },
    ],
    items: [
      {
        id: MARKETPLACE_ITEMS.acrobatPro,
        name: 'Adobe Acrobat Pro for teams',
        product: adobe,
        purchasePrice: { amount: '23.99', currency: 'USD' },
        terms: { period: '1m', commitment: '1y' },
        assignment: 'vendor',
        downsizeOnlyAtAnniversary: true,
        vendorBehaviour: { kind: 'completes' },
      },
      {
        id: MARKETPLACE_ITEMS.creativeCloud,
        name: 'Creative Cloud for teams — All Apps',
        product: adobe,
        purchasePrice: { amount: '89.99', currency: 'USD' },
        terms: { period: '1m', commitment: '1y' },
        assignment: 'vendor',
        downsizeOnlyAtAnniversary: true,
        vendorBehaviour: { kind: 'queries', parameters: [ADOBE_ADMIN_EMAIL_PARAMETER] },
      },
      {
        id: MARKETPLACE_ITEMS.miroBusiness,
        name: 'Miro Business',
        product: { id: MARKETPLACE_PRODUCTS.miro, name: 'Miro', vendor: { id: 'ACC-2222-2222', name: 'Miro' } },
        purchasePrice: { amount: '16.00', currency: 'USD' },
        terms: { period: '1m', commitment: '1m' },
        assignment: 'vendor',
        vendorBehaviour: { kind: 'completes' },
      },
      {
        id: MARKETPLACE_ITEMS.zoomPro,
        name: 'Zoom Workplace Pro',
        product: { id: MARKETPLACE_PRODUCTS.zoom, name: 'Zoom Workplace', vendor: { id: 'ACC-3333-3333', name: 'Zoom' } },
        purchasePrice: { amount: '13.33', currency: 'USD' },
        terms: { period: '1m', commitment: '1y' },
        assignment: 'vendor',
        vendorBehaviour: { kind: 'fails', reason: ZOOM_FAILURE_REASON },
      },
      {
        id: MARKETPLACE_ITEMS.autocadLt,
        name: 'AutoCAD LT',
        product: { id: MARKETPLACE_PRODUCTS.autodesk, name: 'Autodesk AutoCAD LT', vendor: { id: 'ACC-4444-4444', name: 'Autodesk' } },
        purchasePrice: { amount: '57.50', currency: 'USD' },
        terms: { period: '1m', commitment: '1y' },
        assignment: 'vendor',
        vendorBehaviour: { kind: 'stuck' },
      },
    ],
    agreements: [
      {
        id: MARKETPLACE_AGREEMENTS.demoAdobe,
        name: 'Adobe VIP Marketplace for Contoso',
        customerId: DEMO_TENANT_ID,
        productId: MARKETPLACE_PRODUCTS.adobe,
      },
    ],
    subscriptions: [
      {
        id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat,
        customerId: DEMO_TENANT_ID,
        agreementId: MARKETPLACE_AGREEMENTS.demoAdobe,
        itemId: MARKETPLACE_ITEMS.acrobatPro,
        quantity: 10,
        startedDaysAgo: 200,
        autoRenew: true,
        assignedEmails: ['meganb@example.com', 'adelev@example.com', 'pattif@example.com'],
      },
    ],
  };
}

/**
 * The sandbox price list's markup on the purchase price (a fraction, as the price list item
 * page's example: unitPP 19.95, markup 0.5013, unitSP 29.95).
 */
export const MARKETPLACE_MARKUP = 0.1;

/**
 * The sales price a client sees (`unitSP`, `SPx*`): "calculated from the purchase price and the
 * markup" (catalog-api/pricelist-item/README.md), to the cent.
 */
export function salesPrice(purchase: { amount: string; currency: string }): { amount: string; currency: string } {
  return { amount: (Math.round(Number(purchase.amount) * (1 + MARKETPLACE_MARKUP) * 100) / 100).toFixed(2), currency: purchase.currency };
}
