// Microsoft 365 admin consent, the pure parts: the URL an admin opens, reading what the
// identity platform sends back, and advice for the ways it goes wrong (the common consent
// failures and the AADSTS codes admins actually see). The callback's `tenant`
// is only a claim: the caller still checks the state and confirms the tenant with a
// token request before it stores anything.

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** States we issue are URL-safe random text; anything else was not made by us. */
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const AADSTS_PATTERN = /\bAADSTS(\d{5,7})\b/;
const MAX_DESCRIPTION_CHARS = 1000;

export function isTenantGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** A tenant id as the identity platform sends it back. The Agents Playground's tenant has 13 digits in its last group. */
const CALLBACK_TENANT_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;

export function isWellFormedState(value: string): boolean {
  return STATE_PATTERN.test(value);
}

export interface AdminConsentLink {
  /** The customer's tenant id (GUID) or verified domain, or 'organizations'. */
  tenant: string;
  clientId: string;
  /** Must be registered on the app exactly as given here. */
  redirectUri: string;
  state: string;
  /** Login host; the sandbox passes its emulator here. */
  authorityHost?: string;
}

/**
 * https://login.microsoftonline.com/{tenant}/v2.0/adminconsent?client_id=…&scope=https://graph.microsoft.com/.default&redirect_uri=…&state=…
 * with every value URL-encoded.
 */
export function adminConsentUrl(link: AdminConsentLink): string {
  const tenant = link.tenant.trim();
  if (!(isTenantGuid(tenant) || DOMAIN_PATTERN.test(tenant) || tenant === 'organizations')) {
    throw new RangeError('Admin consent needs a tenant id (GUID), a tenant domain or "organizations"');
  }
  if (!isTenantGuid(link.clientId)) throw new RangeError('Admin consent needs the app (client) id, a GUID');
  if (!isWellFormedState(link.state)) throw new RangeError('Admin consent state must be 16-128 URL-safe characters');
  assertRedirectUri(link.redirectUri);
  const host = (link.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
  const query = [
    ['client_id', link.clientId],
    ['scope', GRAPH_DEFAULT_SCOPE],
    ['redirect_uri', link.redirectUri],
    ['state', link.state],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value!)}`)
    .join('&');
  return `${host}/${encodeURIComponent(tenant)}/v2.0/adminconsent?${query}`;
}

/** https only, except loopback http for local mode; no fragment (the platform forbids it). */
function assertRedirectUri(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError('The consent redirect URI is not an absolute URL');
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new RangeError('The consent redirect URI must use https (http only on localhost)');
  }
  if (url.hash) throw new RangeError('The consent redirect URI may not have a fragment');
}

// ---------------------------------------------------------------------------------------
// Advice for consent and sign-in failures

export type ConsentProblem =
  | 'cancelled'
  | 'user-consent-disabled'
  | 'admin-approval-needed'
  | 'not-an-admin'
  | 'personal-account'
  | 'wrong-directory'
  | 'mfa-required'
  | 'privileged-identity-management'
  | 'conditional-access'
  | 'app-not-found'
  | 'redirect-uri-mismatch'
  | 'app-misconfigured'
  | 'sign-in-expired'
  | 'service-unavailable'
  | 'unknown';

export interface ConsentAdvice {
  problem: ConsentProblem;
  /** Short headline for the page or card. */
  title: string;
  /** What to do, in plain words. */
  advice: string;
  /** True when the fix is in Quartermaster's own setup, not the customer's tenant. */
  operatorProblem: boolean;
}

const ADVICE: Record<ConsentProblem, Omit<ConsentAdvice, 'problem'>> = {
  cancelled: {
    title: 'Consent was not given',
    advice: 'The permission request was cancelled or refused. Start again from the Connect card and choose Accept.',
    operatorProblem: false,
  },
  'user-consent-disabled': {
    title: 'Your tenant needs an administrator to approve this app',
    advice:
      'AADSTS65004 "User declined to consent" usually means tenant-wide user consent is turned off ("Allow user consent for apps"). Sign in as a Global Administrator (or Privileged Role Administrator) and grant consent for the whole organization, then start again from the Connect card.',
    operatorProblem: false,
  },
  'admin-approval-needed': {
    title: 'Administrator approval is required',
    advice:
      'The account you used cannot grant consent for the organization. Sign in with a Global Administrator or Privileged Role Administrator account of the tenant, or ask one to start the connection from the Connect card.',
    operatorProblem: false,
  },
  'not-an-admin': {
    title: 'This account is not an administrator',
    advice:
      'Application permissions can only be granted by an administrator. Sign in with a Global Administrator or Privileged Role Administrator account of the tenant and start again.',
    operatorProblem: false,
  },
  'personal-account': {
    title: 'You signed in with a personal Microsoft account',
    advice:
      'Personal accounts (outlook.com, hotmail.com, live.com) cannot grant consent for an organization. Sign out of your personal account, or use a private browser window, and sign in with your work administrator account.',
    operatorProblem: false,
  },
  'wrong-directory': {
    title: 'That account belongs to another organization',
    advice:
      'The account you signed in with is not a member of the tenant being connected (or is a personal account). Use a private browser window and sign in with an administrator account of the tenant you are connecting.',
    operatorProblem: false,
  },
  'mfa-required': {
    title: 'Multi-factor authentication is required',
    advice:
      'Set up multi-factor authentication for this administrator account (https://aka.ms/mfasetup), then start again and complete the MFA prompt.',
    operatorProblem: false,
  },
  'privileged-identity-management': {
    title: 'Privileged Identity Management got in the way',
    advice:
      'The request failed while a Privileged Identity Management (PIM) role elevation was involved. Use an account whose administrator role is permanently assigned, or temporarily turn off PIM for this account, then start again in a private browser window.',
    operatorProblem: false,
  },
  'conditional-access': {
    title: 'A Conditional Access policy blocked the sign-in',
    advice:
      "Your organization's Conditional Access policies blocked this sign-in. Sign in from a compliant device or location, or ask your identity administrator to allow it.",
    operatorProblem: false,
  },
  'app-not-found': {
    title: "Quartermaster's app registration was not found",
    advice:
      "Microsoft could not find the Quartermaster app (AADSTS700016). This is a problem in Quartermaster's own setup: the app id is wrong, or the app is not multi-tenant. Tell the person who runs Quartermaster; nothing needs to change in your tenant.",
    operatorProblem: true,
  },
  'redirect-uri-mismatch': {
    title: "Quartermaster's reply address is not registered",
    advice:
      'The reply URL does not match one registered on the Quartermaster app (AADSTS50011). Tell the person who runs Quartermaster; nothing needs to change in your tenant.',
    operatorProblem: true,
  },
  'app-misconfigured': {
    title: "Quartermaster's app registration needs attention",
    advice:
      'The Quartermaster app asks for permissions Microsoft could not grant. Tell the person who runs Quartermaster and include the error code shown below.',
    operatorProblem: true,
  },
  'sign-in-expired': {
    title: 'The sign-in has expired',
    advice:
      'The stored sign-in was unused for too long or was revoked (AADSTS700082). An administrator needs to connect again from the Connect card.',
    operatorProblem: false,
  },
  'service-unavailable': {
    title: 'Microsoft sign-in is temporarily unavailable',
    advice: "Microsoft's sign-in service had a temporary problem. Wait a minute and start again from the Connect card.",
    operatorProblem: false,
  },
  unknown: {
    title: 'Consent did not complete',
    advice:
      'Microsoft reported an error we do not recognise. Start again from the Connect card; if it happens again, look up the error code at https://login.microsoftonline.com/error.',
    operatorProblem: false,
  },
};

const BY_AADSTS_CODE: Record<string, ConsentProblem> = {
  '65004': 'user-consent-disabled',
  '65001': 'admin-approval-needed',
  '90094': 'admin-approval-needed',
  '90008': 'admin-approval-needed',
  '90093': 'not-an-admin',
  '500200': 'personal-account',
  '50020': 'wrong-directory',
  '50076': 'mfa-required',
  '50079': 'mfa-required',
  '50072': 'mfa-required',
  '50074': 'mfa-required',
  '53003': 'conditional-access',
  '53000': 'conditional-access',
  '700016': 'app-not-found',
  '50011': 'redirect-uri-mismatch',
  '650056': 'app-misconfigured',
  '650057': 'app-misconfigured',
  '65005': 'app-misconfigured',
  '700082': 'sign-in-expired',
  '50173': 'sign-in-expired',
  '90033': 'service-unavailable',
};

const BY_OAUTH_ERROR: Record<string, ConsentProblem> = {
  access_denied: 'cancelled',
  consent_required: 'admin-approval-needed',
  interaction_required: 'mfa-required',
  invalid_grant: 'sign-in-expired',
  unauthorized_client: 'app-not-found',
  server_error: 'service-unavailable',
  temporarily_unavailable: 'service-unavailable',
};

/** The AADSTS number in an error description, e.g. "65004"; undefined when absent. */
export function aadstsCode(description: string | undefined): string | undefined {
  return description?.match(AADSTS_PATTERN)?.[1];
}

/**
 * Plain advice for an OAuth `error` with its `error_description`. The AADSTS code wins
 * over the generic error; the description's wording catches what has no code of its own.
 */
export function adviseConsentError(error: string, description?: string): ConsentAdvice & { code?: string } {
  const code = aadstsCode(description);
  const problem = (code && BY_AADSTS_CODE[code]) || problemFromWording(description) || BY_OAUTH_ERROR[error] || 'unknown';
  // A personal account that landed in the wrong directory gets the more specific advice.
  const refined = problem === 'wrong-directory' && mentionsPersonalAccount(description) ? 'personal-account' : problem;
  return { problem: refined, ...ADVICE[refined], ...(code ? { code: `AADSTS${code}` } : {}) };
}

function problemFromWording(description: string | undefined): ConsentProblem | undefined {
  if (!description) return undefined;
  if (/privileged identity management|\bPIM\b/i.test(description)) return 'privileged-identity-management';
  if (mentionsPersonalAccount(description)) return 'personal-account';
  if (/multi-?factor|\bMFA\b|strong authentication/i.test(description)) return 'mfa-required';
  return undefined;
}

function mentionsPersonalAccount(description: string | undefined): boolean {
  return !!description && /personal microsoft account|\b(?:live\.com|outlook\.com|hotmail\.com|msa)\b/i.test(description);
}

// ---------------------------------------------------------------------------------------
// The callback: GET /api/consent/callback?admin_consent=True&tenant=…&state=… or ?error=…

export type CallbackQuery = Record<string, string | string[] | undefined> | URLSearchParams;

export type ConsentCallback =
  /** Microsoft says consent was granted for `tenantId`; still check state and tenant. */
  | { kind: 'granted'; tenantId: string; state: string; scope?: string }
  /** Microsoft reported an error: nothing may change. `state` lets the caller spend it. */
  | ({ kind: 'failed'; error: string; description?: string; state?: string } & ConsentAdvice & { code?: string })
  /** An authorization code (the Partner Center sign-in); still check state, then redeem it. */
  | { kind: 'code'; code: string; state: string }
  /** Not a callback we can trust (missing or repeated parameters, bad shapes). */
  | { kind: 'invalid'; reason: string; state?: string };

/**
 * Reads the callback query. `error` is checked first: Microsoft may send
 * admin_consent=True together with an error, and the error is what counts.
 */
export function parseConsentCallback(query: CallbackQuery): ConsentCallback {
  const read = reader(query);
  const repeated = ['error', 'error_description', 'admin_consent', 'tenant', 'state', 'scope', 'code'].find(
    (name) => read(name) === REPEATED,
  );
  const stateValue = read('state');
  const state = typeof stateValue === 'string' && isWellFormedState(stateValue) ? stateValue : undefined;
  const withState = state ? { state } : {};
  if (repeated) return { kind: 'invalid', reason: `The "${repeated}" parameter appears more than once`, ...withState };

  const error = read('error') as string | undefined;
  if (error !== undefined) {
    const description = truncate(read('error_description') as string | undefined);
    // The Cancel button sends AADSTS65004 too; error_subcode=cancel says it was a choice, not a policy.
    const cancelled = read('error_subcode') === 'cancel';
    const advice = adviseConsentError(error, description);
    return {
      kind: 'failed',
      error: truncate(error) || 'unknown_error',
      ...(description ? { description } : {}),
      ...advice,
      ...(cancelled ? { problem: 'cancelled' as const, ...ADVICE.cancelled } : {}),
      ...withState,
    };
  }

  if (stateValue === undefined || stateValue === '') return { kind: 'invalid', reason: 'The state parameter is missing' };
  if (!state) return { kind: 'invalid', reason: 'The state parameter is not one Quartermaster issued' };
  const code = read('code') as string | undefined;
  if (code !== undefined) {
    if (!/^[A-Za-z0-9._~+/=-]{1,4096}$/.test(code))
      return { kind: 'invalid', reason: 'The code parameter is not an authorization code', state };
    return { kind: 'code', code, state };
  }
  const adminConsent = read('admin_consent') as string | undefined;
  if (adminConsent?.toLowerCase() !== 'true') return { kind: 'invalid', reason: 'Microsoft did not confirm admin consent', state };
  const tenant = (read('tenant') as string | undefined)?.trim();
  if (!tenant) return { kind: 'invalid', reason: 'The tenant parameter is missing', state };
  if (!CALLBACK_TENANT_PATTERN.test(tenant)) return { kind: 'invalid', reason: 'The tenant parameter is not a tenant id', state };
  const scope = read('scope') as string | undefined;
  return { kind: 'granted', tenantId: tenant.toLowerCase(), state, ...(scope ? { scope: truncate(scope) } : {}) };
}

const REPEATED = Symbol('repeated');

function reader(query: CallbackQuery): (name: string) => string | undefined | typeof REPEATED {
  if (query instanceof URLSearchParams) {
    return (name) => {
      const values = query.getAll(name);
      return values.length > 1 ? REPEATED : values[0];
    };
  }
  return (name) => {
    const value = query[name];
    if (Array.isArray(value)) return value.length > 1 ? REPEATED : value[0];
    return value;
  };
}

function truncate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > MAX_DESCRIPTION_CHARS ? `${text.slice(0, MAX_DESCRIPTION_CHARS)}…` : text;
}

// ---------------------------------------------------------------------------------------
// The page the browser sees after the callback

export interface ConsentPage {
  outcome: 'connected' | 'failed';
  title: string;
  message: string;
  /** Extra lines, e.g. the error code and Microsoft's description, shown as text. */
  details?: readonly string[];
}

/** The page for a failed callback: headline, advice, and the error code and text as sent. */
export function consentFailurePage(failure: Extract<ConsentCallback, { kind: 'failed' }>): ConsentPage {
  const details = [failure.code ? `Error: ${failure.error} (${failure.code})` : `Error: ${failure.error}`];
  if (failure.description) details.push(`Microsoft said: ${failure.description}`);
  return { outcome: 'failed', title: failure.title, message: failure.advice, details };
}
