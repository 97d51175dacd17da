// Demo data shared by the tests and `npm start`: a CSP partner (an indirect provider with one
// indirect reseller) with one customer tenant (the Microsoft 365 Agents Playground's default
// tenant and users) and a second customer, sold through the reseller, used to check that
// tenants never see each other's data; a second CSP partner with a customer of its own; and a
// tenant that is nobody's Partner Center customer. Graph seat totals are derived
// from the Partner Center subscriptions, and seats used from the users' licenses, so the
// two emulators always agree.
import { demoSignInAccounts, northwindTenant, type SeedSignInAccount } from './seed-identity.js';

export interface SeedApp {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Registered redirect URIs (loopback http://127.0.0.1|localhost:<any port> is always accepted, as Entra does). */
  redirectUris?: string[];
}

/** One purchasable catalog item: a Partner Center product/SKU/availability and its Graph license. */
export interface SeedOffer {
  productId: string;
  skuId: string;
  availabilityId: string;
  title: string;
  /** Graph license of the offer. */
  skuPartNumber: string;
  graphSkuId: string;
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
  /** Price per seat per month, decimal string. */
  unitPrice: string;
  currency: string;
  termDuration: 'P1M' | 'P1Y';
  billingCycle: 'monthly' | 'annual';
  minimumQuantity: number;
  maximumQuantity: number;
}

export interface SeedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  jobTitle?: string;
  department?: string;
  /** employeeOrgData.costCenter. */
  costCenter?: string;
  /** No usage location = Graph refuses to assign licenses to this user. */
  usageLocation?: string;
  managerId?: string;
  /** skuPartNumbers the user holds. */
  licenses: string[];
  /**
   * Graph signInActivity: days since the last interactive / non-interactive sign-in.
   * null = never signed in; omitted = signed in a day ago.
   */
  lastSignInDaysAgo?: number | null;
  lastNonInteractiveSignInDaysAgo?: number | null;
  /**
   * Days since the last SUCCESSFUL sign-in; omitted = the later of the two above (they also move
   * on failed attempts, this one does not).
   */
  lastSuccessfulSignInDaysAgo?: number | null;
}

export interface SeedSubscription {
  id: string;
  /** `productId:skuId:availabilityId` of a catalog offer. */
  offerId: string;
  quantity: number;
  status: 'active' | 'suspended';
  autoRenewEnabled: boolean;
  /** How long ago the subscription (and its first `quantity` seats) was bought. */
  purchasedDaysAgo: number;
  /** Seats added mid-term, each lot with its own 7-day cancellation window (added to `quantity`). */
  addedLots?: { quantity: number; purchasedDaysAgo: number }[];
}

export interface SeedTenant {
  id: string;
  displayName: string;
  domain: string;
  /** Apps with admin consent in this tenant (may get app-only tokens for it). */
  consentedAppIds: string[];
  /** Tenant-wide user consent off: a non-admin's consent attempt fails with AADSTS65004. */
  userConsentDisabled?: boolean;
  users: SeedUser[];
  groups: { id: string; displayName: string; memberIds: string[] }[];
  /** Entra administrative units (Graph /directory/administrativeUnits): their members are users. */
  administrativeUnits?: { id: string; displayName: string; memberIds: string[] }[];
  /** Partner Center subscriptions when this tenant is a customer of the partner. */
  subscriptions: SeedSubscription[];
  /** Licenses whose subscription ended: Graph still lists them, capabilityStatus "Deleted", no units. */
  retiredSkus?: { skuPartNumber: string; graphSkuId: string }[];
  /** Microsoft Entra ID P1/P2 (default true): without it, signInActivity answers 403. */
  entraIdPremium?: boolean;
}

/**
 * A Partner Center account. A direct-bill partner or an indirect provider transacts for its
 * customers; an indirect reseller sells through its provider: it sees the customers it is
 * associated with (`associatedPartnerId`) but orders go through the provider's account.
 */
export interface SeedPartner {
  tenantId: string;
  companyName: string;
  mpnId: string;
  /** Country of the account (PartnerRelationship.location). */
  location: string;
  kind: 'direct' | 'indirect-provider' | 'indirect-reseller';
  /** Customers (their tenant ids: in Partner Center the customer id is the tenant id). */
  customerIds: string[];
  /** Indirect resellers: the provider they sell through. */
  providerTenantId?: string;
}

export interface SandboxSeed {
  apps: SeedApp[];
  /** Partner Center accounts; the first is the one the app's configuration names (PARTNER_CENTER_TENANT_ID). */
  partners: SeedPartner[];
  catalog: SeedOffer[];
  tenants: SeedTenant[];
  /** Accounts the login emulator's sign-in and consent pages offer (see seed-identity.ts). */
  signInAccounts?: SeedSignInAccount[];
}

// ---------------------------------------------------------------------------------------
// Ids tests and the demo refer to
// ---------------------------------------------------------------------------------------

/** The Agents Playground's default tenant (not a valid GUID: accepted as-is). */
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-0000000000001';
/** In Partner Center the customer id is the customer's tenant id. */
export const DEMO_CUSTOMER_ID = DEMO_TENANT_ID;
/** A second customer tenant, to prove tenants stay apart. */
export const OTHER_TENANT_ID = 'f2b5c0de-0000-4000-8000-00000000fab1';
export const DEMO_PARTNER_TENANT_ID = 'c5b9a7e0-0000-4000-8000-0000000c5b01';
/** An indirect reseller of the demo partner; Fabrikam buys through it. */
export const DEMO_RESELLER_TENANT_ID = 'c5b9a7e0-0000-4000-8000-0000000c5b02';
/** A second CSP partner (direct bill), with a customer of its own: the demo partner must never reach it. */
export const SECOND_PARTNER_TENANT_ID = 'd7e1f3a5-0000-4000-8000-0000000d7e01';
/** The second partner's customer. */
export const TAILSPIN_TENANT_ID = 'a9c3e5f7-0000-4000-8000-0000000a9c01';

/** The one app registration the sandbox knows. Sandbox-only values, never valid anywhere else. */
export const DEMO_APP = {
  clientId: '3f0c2a9e-5d1b-4c6e-9a7f-000000000a99',
  clientSecret: 'sandbox-client-secret-not-a-real-one',
} as const;

const playgroundUser = (suffix: string) => `00000000-0000-0000-0000-00000000000${suffix}`;

/** Playground users (their aadObjectIds are not valid GUIDs: accepted as-is). */
export const DEMO_USERS = {
  alex: { id: playgroundUser('20'), userPrincipalName: 'alexw@example.com', displayName: 'Alex Wilber' },
  megan: { id: playgroundUser('21'), userPrincipalName: 'meganb@example.com', displayName: 'Megan Bowen' },
  adele: { id: playgroundUser('22'), userPrincipalName: 'adelev@example.com', displayName: 'Adele Vance' },
  isaiah: { id: playgroundUser('23'), userPrincipalName: 'isaiahl@example.com', displayName: 'Isaiah Langer' },
  patti: { id: playgroundUser('24'), userPrincipalName: 'pattif@example.com', displayName: 'Patti Fernandez' },
  lynne: { id: playgroundUser('25'), userPrincipalName: 'lynner@example.com', displayName: 'Lynne Robbins' },
} as const;

export const OTHER_TENANT_USERS = {
  jordan: { id: 'fab10000-0000-4000-8000-000000000001', userPrincipalName: 'jordan@fabrikam.example', displayName: 'Jordan Reyes' },
} as const;

export const TAILSPIN_USERS = {
  riley: { id: 'a9c30000-0000-4000-8000-000000000001', userPrincipalName: 'riley@tailspin.example', displayName: 'Riley Tran' },
} as const;

export const DEMO_GROUPS = {
  licenseApprovers: '10000000-0000-0000-0000-00000000a001',
} as const;

/** Entra administrative units of the demo tenant (a delegated unit can be one). */
export const DEMO_ADMINISTRATIVE_UNITS = {
  retailStores: '10000000-0000-0000-0000-0000000ad001',
} as const;

/** Catalog ids. offerId = `productId:skuId:availabilityId` (new commerce). */
export const DEMO_OFFERS = {
  m365E3: offerIds('CFQ7TTC0LFLX', '0002', 'CFQ7TTC0LF8Q', 'SPE_E3', '05e9a617-0261-4cee-bb44-138d3ef5d965'),
  powerBiPro: offerIds('CFQ7TTC0L3PB', '0001', 'CFQ7TTC0KXG6', 'POWER_BI_PRO', 'f8a1db68-be16-40ed-86d5-cb42ce701560'),
  visioPlan2: offerIds('CFQ7TTC0HD33', '0002', 'CFQ7TTC0KX6P', 'VISIOCLIENT', 'c5928f49-12ba-48f7-ada3-0d743a3601d5'),
  projectPlan3: offerIds('CFQ7TTC0HDN5', '0002', 'CFQ7TTC0KXBT', 'PROJECTPROFESSIONAL', '53818b1b-4a27-454b-8896-0dba576410e6'),
  teamsPremium: offerIds('CFQ7TTC0RM8K', '0001', 'CFQ7TTC0S8NQ', 'Microsoft_Teams_Premium', '989a1621-93bc-4be0-835c-fe30171d6463'),
} as const;

export const DEMO_SUBSCRIPTIONS = {
  m365E3: 'a1e3c0de-0000-4000-8000-000000000e31',
  powerBiPro: 'a1e3c0de-0000-4000-8000-0000000000b1',
  visioPlan2: 'a1e3c0de-0000-4000-8000-0000000000c2',
  teamsPremium: 'a1e3c0de-0000-4000-8000-0000000000f1',
  otherTenantPowerBiPro: 'b2f4c0de-0000-4000-8000-0000000000b1',
  tailspinM365E3: 'c3a5c0de-0000-4000-8000-000000000e31',
} as const;

function offerIds(productId: string, skuId: string, availabilityId: string, skuPartNumber: string, graphSkuId: string) {
  return { offerId: `${productId}:${skuId}:${availabilityId}`, productId, skuId, availabilityId, skuPartNumber, graphSkuId };
}

// ---------------------------------------------------------------------------------------
// The seed
// ---------------------------------------------------------------------------------------

const plan = (servicePlanId: string, servicePlanName: string) => ({ servicePlanId, servicePlanName });

function demoCatalog(): SeedOffer[] {
  const o = DEMO_OFFERS;
  const common = { currency: 'USD', minimumQuantity: 1, maximumQuantity: 300 };
  return [
    {
      ...o.m365E3,
      ...common,
      title: 'Microsoft 365 E3',
      unitPrice: '36.00',
      termDuration: 'P1Y',
      billingCycle: 'monthly',
      servicePlans: [
        plan('efb87545-963c-4e0d-99df-69c6916d9eb0', 'EXCHANGE_S_ENTERPRISE'),
        plan('5dbe027f-2339-4123-9542-606e4d348a72', 'SHAREPOINTENTERPRISE'),
        plan('43de0ff5-c92c-492b-9116-175376d08c38', 'OFFICESUBSCRIPTION'),
        plan('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1'),
      ],
    },
    {
      ...o.powerBiPro,
      ...common,
      title: 'Power BI Pro',
      unitPrice: '14.00',
      termDuration: 'P1M',
      billingCycle: 'monthly',
      servicePlans: [plan('70d33638-9c74-4d01-bfd3-562de28bd4ba', 'BI_AZURE_P2')],
    },
    {
      ...o.visioPlan2,
      ...common,
      title: 'Visio Plan 2',
      unitPrice: '15.00',
      termDuration: 'P1Y',
      billingCycle: 'annual',
      servicePlans: [
        plan('663a804f-1c30-4ff0-9915-9db84f0d1cea', 'VISIO_CLIENT_SUBSCRIPTION'),
        plan('2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f', 'VISIOONLINE'),
      ],
    },
    {
      ...o.projectPlan3,
      ...common,
      title: 'Project Plan 3',
      unitPrice: '30.00',
      termDuration: 'P1Y',
      billingCycle: 'annual',
      servicePlans: [
        plan('fafd7243-e5c1-4a3a-9e40-495efcb1d3c3', 'PROJECT_CLIENT_SUBSCRIPTION'),
        plan('fe71d6c3-a2ea-4499-9778-da042bf08063', 'SHAREPOINT_PROJECT'),
      ],
    },
    {
      ...o.teamsPremium,
      ...common,
      title: 'Microsoft Teams Premium',
      unitPrice: '10.00',
      termDuration: 'P1Y',
      billingCycle: 'monthly',
      servicePlans: [plan('0504111f-feb8-4a3c-992a-70280f9a2869', 'TEAMSPRO_MGMT')],
    },
  ];
}

const SIGN_INS: Record<number, Pick<SeedUser, 'lastSignInDaysAgo' | 'lastNonInteractiveSignInDaysAgo' | 'lastSuccessfulSignInDaysAgo'>> = {
  18: { lastSignInDaysAgo: 150, lastNonInteractiveSignInDaysAgo: 3 },
  // Someone failed to sign in as user 19 yesterday; the last successful sign-in was 120 days ago.
  19: { lastSignInDaysAgo: 1, lastNonInteractiveSignInDaysAgo: 100, lastSuccessfulSignInDaysAgo: 120 },
  20: { lastSignInDaysAgo: 200, lastNonInteractiveSignInDaysAgo: null },
  21: { lastSignInDaysAgo: null, lastNonInteractiveSignInDaysAgo: null },
};

/** Seed users inactive for more than 90 days (by their latest sign-in of either kind), never-signed-in included. */
export const DEMO_INACTIVE_USER_IDS = [
  'd0000000-0000-4000-8000-000000000019',
  'd0000000-0000-4000-8000-000000000020',
  'd0000000-0000-4000-8000-000000000021',
] as const;
/** The seed user who never signed in. */
export const DEMO_NEVER_SIGNED_IN_USER_ID = 'd0000000-0000-4000-8000-000000000021';

function demoTenant(): SeedTenant {
  const u = DEMO_USERS;
  const E3 = 'SPE_E3';
  const PBI = 'POWER_BI_PRO';
  const VISIO = 'VISIOCLIENT';
  const TEAMS_PREMIUM = 'Microsoft_Teams_Premium';
  const named: SeedUser[] = [
    {
      ...u.alex,
      mail: u.alex.userPrincipalName,
      jobTitle: 'Marketing Assistant',
      department: 'Marketing',
      costCenter: 'CC-100',
      usageLocation: 'US',
      managerId: u.adele.id,
      licenses: [E3],
    },
    {
      ...u.megan,
      mail: u.megan.userPrincipalName,
      jobTitle: 'Marketing Manager',
      department: 'Marketing',
      costCenter: 'CC-100',
      usageLocation: 'US',
      managerId: u.adele.id,
      licenses: [E3, PBI],
    },
    {
      ...u.adele,
      mail: u.adele.userPrincipalName,
      jobTitle: 'Retail Manager',
      department: 'Retail',
      costCenter: 'CC-200',
      usageLocation: 'US',
      managerId: u.patti.id,
      licenses: [E3, PBI, VISIO],
    },
    {
      ...u.isaiah,
      mail: u.isaiah.userPrincipalName,
      jobTitle: 'Sales Rep',
      department: 'Sales',
      costCenter: 'CC-300',
      usageLocation: 'US',
      managerId: u.adele.id,
      licenses: [E3],
    },
    {
      ...u.patti,
      mail: u.patti.userPrincipalName,
      jobTitle: 'President',
      department: 'Executive Management',
      costCenter: 'CC-900',
      usageLocation: 'US',
      licenses: [E3, PBI, VISIO, TEAMS_PREMIUM],
    },
    // No usage location: the case where Graph refuses license assignment.
    {
      ...u.lynne,
      mail: u.lynne.userPrincipalName,
      jobTitle: 'Retail Manager',
      department: 'Retail',
      costCenter: 'CC-200',
      managerId: u.adele.id,
      licenses: [],
    },
  ];
  // Extra directory users so that seats used match the subscriptions:
  // E3 20 of 25, Power BI Pro 6 of 10, Visio Plan 2 5 of 5, Teams Premium 1 of 3.
  // Sign-ins (for reclaim suggestions): user 18 signs in only non-interactively (3 days
  // ago; interactively 150 days ago), users 19 and 20 have not signed in successfully for 120 / 200
  // days (19 had a failed attempt yesterday),
  // user 21 never signed in; everyone else signed in yesterday.
  const extra: SeedUser[] = [];
  for (let n = 7; n <= 21; n++) {
    const nn = String(n).padStart(2, '0');
    const licenses = [E3];
    if (n <= 9) licenses.push(PBI);
    if (n >= 10 && n <= 12) licenses.push(VISIO);
    extra.push({
      id: `d0000000-0000-4000-8000-0000000000${nn}`,
      displayName: `Demo user ${nn}`,
      userPrincipalName: `demo.user${nn}@example.com`,
      mail: `demo.user${nn}@example.com`,
      department: 'Operations',
      costCenter: 'CC-400',
      usageLocation: 'US',
      managerId: u.patti.id,
      licenses,
      ...SIGN_INS[n],
    });
  }
  return {
    id: DEMO_TENANT_ID,
    displayName: 'Contoso (demo)',
    domain: 'example.com',
    consentedAppIds: [DEMO_APP.clientId],
    users: [...named, ...extra],
    groups: [{ id: DEMO_GROUPS.licenseApprovers, displayName: 'License approvers', memberIds: [u.megan.id] }],
    administrativeUnits: [
      { id: DEMO_ADMINISTRATIVE_UNITS.retailStores, displayName: 'Retail stores', memberIds: [u.adele.id, u.lynne.id] },
    ],
    // Moved from Office 365 E3 to Microsoft 365 E3: Graph keeps listing the old SKU as Deleted.
    retiredSkus: [{ skuPartNumber: 'ENTERPRISEPACK', graphSkuId: '6fd2c87f-b296-42f0-b197-1e91e994b900' }],
    subscriptions: [
      // Renews in about 20 days (one-year term bought 345 days ago) with 5 seats unused.
      {
        id: DEMO_SUBSCRIPTIONS.m365E3,
        offerId: DEMO_OFFERS.m365E3.offerId,
        quantity: 25,
        status: 'active',
        autoRenewEnabled: true,
        purchasedDaysAgo: 345,
      },
      {
        id: DEMO_SUBSCRIPTIONS.powerBiPro,
        offerId: DEMO_OFFERS.powerBiPro.offerId,
        quantity: 10,
        status: 'active',
        autoRenewEnabled: true,
        purchasedDaysAgo: 20,
      },
      {
        id: DEMO_SUBSCRIPTIONS.visioPlan2,
        offerId: DEMO_OFFERS.visioPlan2.offerId,
        quantity: 5,
        status: 'active',
        autoRenewEnabled: true,
        purchasedDaysAgo: 100,
      },
      // 2 seats bought 40 days ago + 1 added 2 days ago (still removable for 5 more days).
      {
        id: DEMO_SUBSCRIPTIONS.teamsPremium,
        offerId: DEMO_OFFERS.teamsPremium.offerId,
        quantity: 2,
        status: 'active',
        autoRenewEnabled: false,
        purchasedDaysAgo: 40,
        addedLots: [{ quantity: 1, purchasedDaysAgo: 2 }],
      },
    ],
  };
}

function otherTenant(): SeedTenant {
  const jordan = OTHER_TENANT_USERS.jordan;
  return {
    id: OTHER_TENANT_ID,
    displayName: 'Fabrikam (demo)',
    domain: 'fabrikam.example',
    consentedAppIds: [DEMO_APP.clientId],
    users: [{ ...jordan, mail: jordan.userPrincipalName, usageLocation: 'GB', licenses: ['POWER_BI_PRO'] }],
    groups: [],
    subscriptions: [
      {
        id: DEMO_SUBSCRIPTIONS.otherTenantPowerBiPro,
        offerId: DEMO_OFFERS.powerBiPro.offerId,
        quantity: 2,
        status: 'active',
        autoRenewEnabled: true,
        // Monthly: renews in about two weeks whatever the day (60 days ago would renew today or tomorrow).
        purchasedDaysAgo: 45,
      },
    ],
  };
}

/** The second partner's customer: one user with Microsoft 365 E3. */
function tailspinTenant(): SeedTenant {
  const riley = TAILSPIN_USERS.riley;
  return {
    id: TAILSPIN_TENANT_ID,
    displayName: 'Tailspin Toys (demo)',
    domain: 'tailspin.example',
    consentedAppIds: [DEMO_APP.clientId],
    users: [{ ...riley, mail: riley.userPrincipalName, usageLocation: 'US', licenses: ['SPE_E3'] }],
    groups: [],
    subscriptions: [
      {
        id: DEMO_SUBSCRIPTIONS.tailspinM365E3,
        offerId: DEMO_OFFERS.m365E3.offerId,
        quantity: 3,
        status: 'active',
        autoRenewEnabled: true,
        purchasedDaysAgo: 100,
      },
    ],
  };
}

/** A partner's own tenant: where its agents sign in and its Partner Center tokens come from. */
function partnerTenant(id: string, displayName: string, domain: string): SeedTenant {
  return { id, displayName, domain, consentedAppIds: [DEMO_APP.clientId], users: [], groups: [], subscriptions: [] };
}

/** The demo's Partner Center accounts: the configured partner (indirect provider), its reseller, and another partner. */
export function demoPartners(): SeedPartner[] {
  return [
    {
      tenantId: DEMO_PARTNER_TENANT_ID,
      companyName: 'Quartermaster Demo Partner',
      mpnId: '4812345',
      location: 'US',
      kind: 'indirect-provider',
      customerIds: [DEMO_TENANT_ID, OTHER_TENANT_ID],
    },
    {
      tenantId: DEMO_RESELLER_TENANT_ID,
      companyName: 'Litware Reseller (demo)',
      mpnId: '4823456',
      location: 'GB',
      kind: 'indirect-reseller',
      customerIds: [OTHER_TENANT_ID],
      providerTenantId: DEMO_PARTNER_TENANT_ID,
    },
    {
      tenantId: SECOND_PARTNER_TENANT_ID,
      companyName: 'Adatum Cloud Partner (demo)',
      mpnId: '4834567',
      location: 'US',
      kind: 'direct',
      customerIds: [TAILSPIN_TENANT_ID],
    },
  ];
}

/** A fresh copy of the demo data (each sandbox mutates its own). */
export function demoSeed(): SandboxSeed {
  return {
    apps: [{ ...DEMO_APP, displayName: 'Quartermaster (sandbox)', redirectUris: ['https://quartermaster.example/api/consent/callback'] }],
    partners: demoPartners(),
    catalog: demoCatalog(),
    tenants: [
      demoTenant(),
      otherTenant(),
      tailspinTenant(),
      partnerTenant(DEMO_RESELLER_TENANT_ID, 'Litware Reseller (demo)', 'litware.example'),
      partnerTenant(SECOND_PARTNER_TENANT_ID, 'Adatum Cloud Partner (demo)', 'adatum.example'),
      // The partner's own tenant: where the app lives and Partner Center tokens come from.
      {
        id: DEMO_PARTNER_TENANT_ID,
        displayName: 'Quartermaster Demo Partner',
        domain: 'partner.example',
        consentedAppIds: [DEMO_APP.clientId],
        users: [],
        groups: [],
        subscriptions: [],
      },
      northwindTenant(),
    ],
    signInAccounts: demoSignInAccounts({
      partner: DEMO_PARTNER_TENANT_ID,
      demo: DEMO_TENANT_ID,
      other: OTHER_TENANT_ID,
      reseller: DEMO_RESELLER_TENANT_ID,
      secondPartner: SECOND_PARTNER_TENANT_ID,
      tailspin: TAILSPIN_TENANT_ID,
    }),
  };
}

// ---------------------------------------------------------------------------------------
// Azure Cost Management: subscriptions, role assignments and daily costs (with the planted
// anomaly and the budget numbers) live in cost-data.ts, exported from the sandbox's index.
// ---------------------------------------------------------------------------------------
