// The small typed ports the services use to reach the outside world. Adapters in this
// folder implement them against the real services (and, unchanged, against the loopback
// emulators in src/sandbox). No SDK type crosses this line.

/** Money is a decimal string ("12.50") plus an ISO currency code; never a float. */
export interface Price {
  amount: string;
  currency: string;
}

// ---------------------------------------------------------------------------------------
// Commerce (Partner Center today; a marketplace later, behind the same port)
// ---------------------------------------------------------------------------------------

export interface CatalogOffer {
  /** New-commerce offer id: `productId:skuId:availabilityId`. */
  offerId: string;
  productId: string;
  skuId: string;
  availabilityId: string;
  name: string;
  /** Graph `skuPartNumber` of the license this offer grants (e.g. "VISIOCLIENT"). */
  skuPartNumber: string;
  /** Price per seat per month. */
  unitPrice: Price;
  termDuration: 'P1M' | 'P1Y';
  billingCycle: 'monthly' | 'annual';
}

export type SubscriptionStatus = 'active' | 'suspended' | 'deleted' | 'expired' | 'disabled';

export interface CommerceSubscription {
  id: string;
  offerId: string;
  offerName: string;
  quantity: number;
  status: SubscriptionStatus;
  autoRenewEnabled: boolean;
  billingCycle: string;
  termDuration: string;
  commitmentEndDate?: string;
  creationDate?: string;
}

export interface CommerceOrder {
  id: string;
  status: 'pending' | 'completed' | 'cancelled';
  lineItems: { lineItemNumber: number; offerId: string; subscriptionId?: string; quantity: number; termDuration?: string }[];
  creationDate: string;
}

export interface CommercePort {
  listOffers(customerId: string): Promise<CatalogOffer[]>;
  listSubscriptions(customerId: string): Promise<CommerceSubscription[]>;
  getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription>;
  /**
   * Sets the seat count. `requestId` is the idempotency key (MS-RequestId): the same
   * logical change always sends the same id, so a retry never buys twice.
   */
  setQuantity(customerId: string, subscriptionId: string, quantity: number, requestId: string): Promise<CommerceSubscription>;
  createOrder(customerId: string, line: { offerId: string; quantity: number; billingCycle: string }, requestId: string): Promise<CommerceOrder>;
  getOrder(customerId: string, orderId: string): Promise<CommerceOrder>;
}

// ---------------------------------------------------------------------------------------
// Directory and licenses (Microsoft Graph, per customer tenant)
// ---------------------------------------------------------------------------------------

export interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: 'Enabled' | 'Suspended' | 'LockedOut' | 'Warning';
  consumedUnits: number;
  /** prepaidUnits.enabled */
  enabledUnits: number;
}

export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  usageLocation?: string;
}

export interface DirectoryPort {
  listSubscribedSkus(tenantId: string): Promise<SubscribedSku[]>;
  /** By object id or UPN; undefined when the tenant has no such user. */
  getUser(tenantId: string, idOrUpn: string): Promise<DirectoryUser | undefined>;
  listUsers(tenantId: string): Promise<DirectoryUser[]>;
  getManager(tenantId: string, userId: string): Promise<DirectoryUser | undefined>;
  listGroupMembers(tenantId: string, groupId: string): Promise<DirectoryUser[]>;
  /** Throws ConnectorError with kind 'no-free-seat' | 'usage-location' | ... */
  assignLicense(tenantId: string, userId: string, skuId: string): Promise<void>;
  /** skuIds the user holds. */
  licenseSkuIds(tenantId: string, userId: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------
// Errors every adapter maps to, so services decide without parsing wire formats
// ---------------------------------------------------------------------------------------

export type ConnectorErrorKind =
  | 'throttled' // 429 after retries ran out
  | 'unavailable' // 5xx / network / timeout after retries ran out
  | 'unauthorized' // 401/403: credentials or consent
  | 'not-found'
  | 'no-free-seat' // Graph: no available licenses; PC 60012
  | 'usage-location' // Graph: user has no usage location
  | 'order-in-progress' // PC 800060
  | 'cannot-decrease' // PC 800090
  | 'subscription-suspended' // PC 800091
  | 'quantity-out-of-range' // PC 2002
  | 'invalid-request'; // any other 4xx

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly kind: ConnectorErrorKind,
    message: string,
    readonly details: { service: string; status?: number; code?: string | number; retryAfterSeconds?: number } = { service: 'unknown' },
  ) {
    super(message);
  }

  /** Worth trying again later (the queue will). */
  get transient(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable';
  }
}
