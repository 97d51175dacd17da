// The small typed ports the services use to reach the outside world. Adapters in this
// folder implement them against the real services (and, unchanged, against the loopback
// emulators in src/sandbox). No SDK type crosses this line.
import type { AwsCostPage } from '../domain/spend/providers/aws.js';

/** Money is a decimal string ("12.50") plus an ISO currency code; never a float. */
export interface Price {
  amount: string;
  currency: string;
}

// ---------------------------------------------------------------------------------------
// Commerce (Partner Center today; a marketplace later, behind the same port)
// ---------------------------------------------------------------------------------------

/**
 * A catalog item as a commerce connector reads it. Partner Center says neither which Graph
 * license a SKU grants nor its price (prices live in the price sheet); the catalog service adds
 * both (src/services/catalog.ts) and only then is it an orderable CatalogOffer.
 */
export interface CatalogItem {
  /** New-commerce offer id: `productId:skuId:availabilityId`. */
  offerId: string;
  productId: string;
  skuId: string;
  availabilityId: string;
  name: string;
  /** Graph `skuPartNumber` of the license this offer grants, when the connector knows it (marketplace: "MKT:<itemId>"). */
  skuPartNumber?: string;
  /** Price per seat per month, when the connector knows it (marketplace: its price list). */
  unitPrice?: Price;
  termDuration: 'P1M' | 'P1Y';
  billingCycle: 'monthly' | 'annual';
  /** Who sells it (absent = Partner Center). Marketplace offers have offerId "mkt:<itemId>". */
  provider?: CommerceProvider;
  /** The software vendor (marketplace offers), e.g. "Adobe". */
  vendor?: string;
  /** How a seat reaches a user: a Graph license (default) or the vendor, by the user's e-mail. */
  assignment?: 'graph' | 'vendor';
}

/** An orderable offer: its license and its price per seat per month are known. */
export interface CatalogOffer extends CatalogItem {
  /** Graph `skuPartNumber` of the license this offer grants (e.g. "VISIOCLIENT"). */
  skuPartNumber: string;
  /** Price per seat per month: what the tenant's people see (with its partner's margin, in partner mode). */
  unitPrice: Price;
  /** What Partner Center charges per seat per month, when `unitPrice` carries a partner's margin (never shown to the customer). */
  cost?: Price;
  /** The margin `unitPrice` carries over `cost`, a decimal percent ("12.5"). */
  marginPercent?: string;
}

export type CommerceProvider = 'partner-center' | 'marketplace';

/** Partner Center's statuses: `pending` (ordered, not provisioned yet) and `none` exist too and are not `disabled`. */
export type SubscriptionStatus = 'active' | 'suspended' | 'deleted' | 'expired' | 'disabled' | 'pending' | 'none';

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
  /** Seats still inside their 7-day cancellation window (new commerce), soonest expiry first. */
  refundOptions?: RefundOption[];
  /** The latest refundOptions expiry: until then some seats can still be removed. */
  refundableUntil?: string;
  /**
   * Partner Center's own count of removable seats per lot (`refundableQuantity.details`), soonest
   * deadline first; when present it is exact and wins over sizing refundOptions windows.
   */
  refundableSeats?: { quantity: number; allowedUntil: string }[];
  /** Until when the whole subscription can still be cancelled (Partner Center `cancellationAllowedUntilDate`). */
  cancellationAllowedUntil?: string;
  /** A change scheduled for the next renewal (Partner Center scheduledNextTermInstructions). */
  scheduledNextTerm?: ScheduledNextTerm;
  /** Who sells it (absent = Partner Center). */
  provider?: CommerceProvider;
  /** The provider's own status word when it says more than `status` (marketplace: "Updating", "Terminating"). */
  providerStatus?: string;
  /** Seats may only go down (or the subscription end) shortly after an anniversary (Adobe VIP). */
  downsizeOnlyAtAnniversary?: boolean;
  /** The next anniversary (commitment date) of such a subscription. */
  anniversaryDate?: string;
  /** Vendor-assigned seats: the users' e-mail addresses (marketplace). */
  assignedEmails?: string[];
  /** An order still in flight for this subscription (marketplace Change / Termination). */
  pendingOrderId?: string;
}

export interface RefundOption {
  /** Full: the initial purchase (cancel for a full refund); Partial: seats added mid-term. */
  type: 'Full' | 'Partial';
  expiresAt: string;
}

export interface ScheduledNextTerm {
  quantity: number;
  /** The offer the subscription renews into (`productId:skuId:availabilityId`). */
  offerId?: string;
  billingCycle?: string;
  termDuration?: string;
}

/** A subscription change other than seats: suspend / reactivate ('active') / cancel ('deleted'), auto-renew. */
export interface SubscriptionChange {
  status?: 'active' | 'suspended' | 'deleted';
  autoRenewEnabled?: boolean;
}

/**
 * What the provider charged for one order line when the order was placed (Partner Center's
 * line `pricing`): `total` is the line's extended price, `unitPrice` the price of one seat for
 * the order's billing period. Both in the order's currency.
 */
export interface BilledLine {
  unitPrice?: Price;
  total: Price;
  /** The period `total` (and `unitPrice`) are for, when the order says. */
  per?: BillingPeriod;
}

export type BillingPeriod = 'month' | 'year';

export interface CommerceOrder {
  id: string;
  status: 'pending' | 'completed' | 'cancelled';
  lineItems: {
    lineItemNumber: number;
    offerId: string;
    subscriptionId?: string;
    quantity: number;
    termDuration?: string;
    /** Absent when the provider did not price the line (the contract makes pricing optional). */
    billed?: BilledLine;
  }[];
  /** The order's total as billed (Partner Center's `totalPrice`); absent when not priced. */
  totalPrice?: Price;
  /** The period `totalPrice` is for, when the order says. */
  totalPer?: BillingPeriod;
  /** Who took the order (absent = Partner Center). */
  provider?: CommerceProvider;
  creationDate: string;
  /** The PO number ("Additional ID") of the agreement the order was placed under (marketplace). */
  purchaseOrderNumber?: string;
  /** The provider's own order status word (marketplace: Draft, Processing, Querying, Completed, Failed). */
  providerStatus?: string;
}

export interface CommercePort {
  listOffers(customerId: string): Promise<CatalogItem[]>;
  listSubscriptions(customerId: string): Promise<CommerceSubscription[]>;
  getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription>;
  /**
   * Sets the seat count. `requestId` is the idempotency key (MS-RequestId): the same
   * logical change always sends the same id, so a retry never buys twice.
   */
  setQuantity(customerId: string, subscriptionId: string, quantity: number, requestId: string): Promise<CommerceSubscription>;
  createOrder(
    customerId: string,
    line: { offerId: string; quantity: number; billingCycle: string; termDuration?: string },
    requestId: string,
  ): Promise<CommerceOrder>;
  getOrder(customerId: string, orderId: string): Promise<CommerceOrder>;
  /** Every order of the customer (Partner Center: GET customers/{id}/orders; marketplace: its orders), newest first. */
  listCustomerOrders(customerId: string): Promise<CommerceOrder[]>;
  /**
   * Suspends, reactivates, cancels or toggles auto-renew (idempotent per `requestId`, like
   * setQuantity). Throws ConnectorError 'subscription-suspended' for anything but reactivating
   * a suspended subscription, 'cannot-decrease' when cancelling outside the 7-day window.
   */
  updateSubscription(
    customerId: string,
    subscriptionId: string,
    change: SubscriptionChange,
    requestId: string,
  ): Promise<CommerceSubscription>;
  /**
   * Schedules the seat count for the next renewal (same offer, term and billing cycle), or
   * clears the schedule with null. Needs auto-renew on, else ConnectorError 'invalid-request'.
   */
  scheduleNextTerm(customerId: string, subscriptionId: string, quantity: number | null, requestId: string): Promise<CommerceSubscription>;
}

// ---------------------------------------------------------------------------------------
// Partner Center at partner level: the partner's customers and indirect resellers
// ---------------------------------------------------------------------------------------

/** A customer of the signed-in partner (GET /v1/customers). */
export interface PartnerCustomer {
  /** The Partner Center customer id (the customer's Microsoft ID). */
  id: string;
  /** The customer's Entra tenant. */
  tenantId: string;
  companyName: string;
  domain: string;
  /** The indirect reseller the customer buys through, if any. */
  resellerId?: string;
}

/** An indirect reseller of the signed-in indirect provider (GET /v1/relationships). */
export interface IndirectReseller {
  id: string;
  name: string;
  mpnId: string;
  location: string;
  state: string;
}

/**
 * Partner-level Partner Center calls, made with the partner's agent token (App+User): a
 * partner's customer list is not about one customer, so no customer's connection applies.
 */
export interface PartnerAccountPort {
  listCustomers(agentToken: string): Promise<PartnerCustomer[]>;
  listIndirectResellers(agentToken: string): Promise<IndirectReseller[]>;
}

// ---------------------------------------------------------------------------------------
// Marketplace (SoftwareOne Marketplace Platform): what it has beyond the commerce port
// ---------------------------------------------------------------------------------------

export interface MarketplaceAgreementInfo {
  id: string;
  name: string;
  status: string;
  licensee: { id: string; name: string };
  product: { id: string; name: string };
  vendor?: string;
  /** The PO number ("Additional ID", externalIds.client); absent when none is set. */
  purchaseOrderNumber?: string;
}

export type MarketplaceOrderStatus = 'Draft' | 'Quoted' | 'Processing' | 'Querying' | 'Completed' | 'Failed' | 'Deleted';

/** A value the vendor asks for while an order is Querying. */
export interface MarketplaceQueryParameter {
  externalId: string;
  name: string;
  description: string;
  type: string;
  value?: string;
  options?: string[];
  /** JavaScript regular expression the value must match (sandbox: sent as constraints.pattern). */
  pattern?: string;
  /** The vendor's complaint about the value given last time. */
  error?: string;
}

export interface MarketplaceOrderDetails {
  id: string;
  type: 'Purchase' | 'Change' | 'Termination' | string;
  status: MarketplaceOrderStatus | string;
  /** Completed, Failed or Deleted: nothing more will happen. */
  final: boolean;
  /** The vendor's reason (Failed) or remark. */
  statusNotes?: string;
  /** Filled while Querying: exactly what the vendor wants. */
  parameters: MarketplaceQueryParameter[];
  agreementId: string;
  purchaseOrderNumber?: string;
  lines: { itemId: string; offerId: string; quantity: number; oldQuantity?: number; subscriptionId?: string }[];
  createdAt?: string;
  updatedAt?: string;
  /** The client reference (Quartermaster's request id). */
  clientReference?: string;
}

export interface MarketplacePort {
  listAgreements(customerId: string): Promise<MarketplaceAgreementInfo[]>;
  /** Sets (or clears, with '') the agreement's PO number; later orders under it carry it. */
  setPurchaseOrderNumber(customerId: string, agreementId: string, purchaseOrderNumber: string): Promise<MarketplaceAgreementInfo>;
  getOrderDetails(customerId: string, orderId: string): Promise<MarketplaceOrderDetails>;
  /** The tenant's orders, newest first, optionally only these statuses (e.g. ['Processing'] for the stuck-order alert). */
  listOrders(customerId: string, filter?: { statuses?: string[] }): Promise<MarketplaceOrderDetails[]>;
  /** Sends the values the vendor asked for (by externalId) and resubmits the order; returns it as it is now. */
  answerQuery(customerId: string, orderId: string, values: Record<string, string>): Promise<MarketplaceOrderDetails>;
  /**
   * Polls politely until the order is final or Querying (needs input), or the time is up;
   * returns the state it found last (never throws for a timeout).
   */
  waitForOrder(customerId: string, orderId: string, options?: { timeoutMs?: number }): Promise<MarketplaceOrderDetails>;
  /** Vendor-assigned seats: sets who holds the subscription's seats (e-mails); 'no-free-seat' beyond the quantity. */
  setAssignedUsers(customerId: string, subscriptionId: string, emails: string[]): Promise<CommerceSubscription>;
  /** = list agreements; a 401 says the API token expired or was revoked. */
  checkHealth(customerId: string): Promise<HealthCheck>;
}

// ---------------------------------------------------------------------------------------
// Directory and licenses (Microsoft Graph, per customer tenant)
// ---------------------------------------------------------------------------------------

/** Graph's capabilityStatus values (a string in the CSDL; the documentation lists these, `Deleted` included). */
export type CapabilityStatus = 'Enabled' | 'Suspended' | 'LockedOut' | 'Warning' | 'Deleted';

export interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: CapabilityStatus;
  consumedUnits: number;
  /** prepaidUnits.enabled */
  enabledUnits: number;
  /** The service plans the license bundles (Graph servicePlans), for plan restrictions. */
  servicePlans?: { servicePlanId: string; servicePlanName: string }[];
}

/** Where a set of people comes from in the directory: a department value, a group, an administrative unit. */
export interface DirectorySet {
  kind: 'department' | 'group' | 'administrativeUnit';
  /** The department value, or the group's / administrative unit's object id. */
  value: string;
}

/** A member of a directory set with the licenses they hold (Graph assignedLicenses). */
export interface DirectoryMember {
  id: string;
  displayName: string;
  userPrincipalName: string;
  licenses: { skuId: string; disabledPlans: string[] }[];
}

export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  usageLocation?: string;
  /** The licenses (SKU ids) the user holds, when the lookup read them too (getUser does). */
  licenseSkuIds?: string[];
}

export interface DirectoryUserSignIn {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** The user's e-mail address, when it has one (vendor seats are assigned by e-mail). */
  mail?: string;
  /**
   * Latest SUCCESSFUL sign-in, interactive or not (Graph lastSuccessfulSignInDateTime; the other
   * two dates count failed attempts too). Absent when the user never signed in successfully.
   */
  lastSignInAt?: string;
  /** Graph skuIds the user holds. */
  licenseSkuIds: string[];
}

/** A person as chargeback sees them: where they sit (department, cost centre) and what they hold. */
export interface DirectoryPerson {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  department?: string;
  /** `employeeOrgData.costCenter`. */
  costCentre?: string;
  licenseSkuIds: string[];
}

export interface DirectoryPort {
  listSubscribedSkus(tenantId: string): Promise<SubscribedSku[]>;
  /** By object id or UPN; undefined when the tenant has no such user. */
  getUser(tenantId: string, idOrUpn: string): Promise<DirectoryUser | undefined>;
  listUsers(tenantId: string): Promise<DirectoryUser[]>;
  getManager(tenantId: string, userId: string): Promise<DirectoryUser | undefined>;
  /** The users in the group, nested groups included (Graph transitiveMembers). */
  listGroupMembers(tenantId: string, groupId: string): Promise<DirectoryUser[]>;
  /**
   * Throws ConnectorError with kind 'no-free-seat' | 'usage-location' | ...; `disabledPlans`
   * (service plan ids) stay off for this user (Graph addLicenses[].disabledPlans).
   */
  assignLicense(tenantId: string, userId: string, skuId: string, disabledPlans?: readonly string[]): Promise<void>;
  /** The users of a department, group (nested groups included) or administrative unit, with their licenses. */
  listMembers(tenantId: string, set: DirectorySet): Promise<DirectoryMember[]>;
  /** skuIds the user holds. */
  licenseSkuIds(tenantId: string, userId: string): Promise<string[]>;
  /**
   * Every user with sign-in activity and licenses (needs AuditLog.Read.All, and Entra ID P1/P2:
   * without it Graph answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant, thrown as
   * ConnectorError 'unauthorized' with that code).
   */
  listUsersWithSignIn(tenantId: string): Promise<DirectoryUserSignIn[]>;
  /** Removes one license from a user, freeing the seat; removing one the user lacks is a no-op. */
  removeLicense(tenantId: string, userId: string, skuId: string): Promise<void>;
  /** Every user with department, cost centre and licenses (chargeback); absent where the directory cannot say. */
  listPeople?(tenantId: string): Promise<DirectoryPerson[]>;
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

  /** The vendor's words alone: the message without the "<service>: " it starts with, for a sentence of our own. */
  get vendorWords(): string {
    const prefix = `${this.details.service}: `;
    return this.message.startsWith(prefix) ? this.message.slice(prefix.length) : this.message;
  }

  /** Worth trying again later (the queue will). */
  get transient(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable';
  }
}

// ---------------------------------------------------------------------------------------
// Connections: what a health check of a connected account found
// ---------------------------------------------------------------------------------------

/**
 * Fine, or what is wrong in plain words and what to do about it. `code` is the provider's
 * own error code (e.g. "AuthorizationFailed", "AccessDeniedException") for the audit log.
 */
export type HealthCheck = { ok: true } | { ok: false; code: string; problem: string; fix: string };

// ---------------------------------------------------------------------------------------
// Azure Cost Management (one scope = a subscription or a billing account)
// ---------------------------------------------------------------------------------------

export interface AzureCostScope {
  tenantId: string;
  /** 'subscriptions/<guid>' or 'providers/Microsoft.Billing/billingAccounts/<id>' (see parseAzureScope). */
  scope: string;
}

/** One page as Azure sent it: look columns up by name (normalizeAzureQuery does). */
export interface AzureCostPage {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

export interface AzureCostPort {
  /** Daily cost grouped by ServiceName (and tagKey), one month per query: yields one page per API call. */
  dailyCost(
    target: AzureCostScope,
    window: { from: string /* YYYY-MM-DD */; to: string /* inclusive */ },
    options?: { costType?: 'ActualCost' | 'AmortizedCost'; tagKey?: string },
  ): AsyncIterable<AzureCostPage>;
  /** A one-day query; failures mapped to plain advice. A 429 comes back as code 'Throttled' (busy, not broken). */
  checkHealth(target: AzureCostScope): Promise<HealthCheck>;
  /** API calls made so far (for logs and the benchmark). */
  readonly calls: number;
}

// ---------------------------------------------------------------------------------------
// AWS Cost Explorer (one linked account, reached with an access key or by assuming a role)
// ---------------------------------------------------------------------------------------

export type AwsCredentialInput =
  { kind: 'access-key'; accessKeyId: string; secretAccessKey: string } | { kind: 'assume-role'; roleArn: string; externalId: string };

export interface AwsCostAccount {
  accountId: string;
  credentials: AwsCredentialInput;
}

/** One GetCostAndUsage page as AWS sent it (plain data; normalizeAwsPage reads it). */
export type { AwsCostPage };

export interface AwsCostPort {
  /** DAILY cost grouped by SERVICE (and a tag), End exclusive: yields one page per API call. */
  dailyCost(
    account: AwsCostAccount,
    window: { start: string; endExclusive: string },
    options?: { tagKey?: string; metric?: 'UnblendedCost' | 'NetUnblendedCost' },
  ): AsyncIterable<AwsCostPage>;
  /** GetCostForecast (UNBLENDED_COST) over [start, endExclusive); start must be today or later. Undefined when AWS has too little history. */
  forecast(account: AwsCostAccount, window: { start: string; endExclusive: string }): Promise<Price | undefined>;
  /** A one-day GetCostAndUsage; failures mapped to plain advice. */
  checkHealth(account: AwsCostAccount): Promise<HealthCheck>;
  /** Cost Explorer requests answered so far (each is billed $0.01: pages, forecasts, health checks). */
  readonly calls: number;
}

/** Where one connection's msal token cache (it holds the refresh token) is kept; the implementation encrypts it at rest. */
export interface TokenCacheStore {
  read(): Promise<string | undefined>;
  write(serializedCache: string): Promise<void>;
}

/** A Partner Center agent after the sign-in. */
export interface SignedInAgent {
  /** The agent's sign-in name (preferred_username). */
  username: string;
  displayName?: string;
  /** msal's account key, `oid.tid`: what accessToken() needs later. */
  homeAccountId: string;
  tenantId: string;
  /** How the agent authenticated (the token's `amr`): a completed sign-in always includes "mfa". */
  authenticationMethods: string[];
}
