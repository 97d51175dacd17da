// Cost Management failures → ConnectorErrors, and ConnectorErrors → health-check advice an
// admin can act on. Azure Resource Manager answers {error: {code, message}}; a 429 names
// its waits in several x-ms-ratelimit-* headers that can differ: the longest one counts.
import { isRestError } from '@azure/core-rest-pipeline';
import { kindForStatus, retryAfterSeconds, transportFailure } from '../outbound.js';
import { ConnectorError, type HealthCheck } from '../ports.js';
import { displayScope } from './scope.js';

export const SERVICE = 'azure-cost';

const RETRY_AFTER_HEADERS = [
  'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-client-retry-after',
  'retry-after',
];

/** The longest wait any rate-limit header asks for; undefined when none does. */
export function longestRetryAfter(headerOf: (name: string) => string | null | undefined): number | undefined {
  const waits = RETRY_AFTER_HEADERS.map((name) => retryAfterSeconds(headerOf(name))).filter((s): s is number => s !== undefined);
  return waits.length > 0 ? Math.max(...waits) : undefined;
}

export function azureCostFailure(
  status: number,
  bodyText: string,
  headerOf: (name: string) => string | null | undefined,
  fallbackCode?: string,
): ConnectorError {
  const { code = fallbackCode, message } = armError(bodyText);
  const retryAfter = status === 429 ? longestRetryAfter(headerOf) : undefined;
  return new ConnectorError(kindForStatus(status), `${SERVICE}: ${message ?? (bodyText.slice(0, 200) || `HTTP ${status}`)}`, {
    service: SERVICE,
    status,
    ...(code ? { code } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}

/** Whatever the SDK, the pipeline or the token provider threw → ConnectorError. */
export function toConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (isRestError(error)) {
    const response = error.response;
    if (error.statusCode !== undefined && response)
      return azureCostFailure(error.statusCode, response.bodyAsText ?? '', (name) => response.headers.get(name), error.code);
    return transportFailure(SERVICE, error);
  }
  return transportFailure(SERVICE, error);
}

function armError(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      ...(typeof body.error?.code === 'string' ? { code: body.error.code } : {}),
      ...(typeof body.error?.message === 'string' ? { message: body.error.message } : {}),
    };
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------------------------------
// Health-check advice
// ---------------------------------------------------------------------------------------

export interface AdviceContext {
  tenantId: string;
  scope: string;
  /** The app registration's client id, so the admin can find it in the role assignment picker. */
  clientId: string;
}

const isBillingAccount = (scope: string) => scope.toLowerCase().startsWith('providers/microsoft.billing/');

export function healthAdvice(error: ConnectorError, context: AdviceContext): Extract<HealthCheck, { ok: false }> {
  const code = String(error.details.code ?? error.kind);
  const scope = displayScope(context.scope);
  const app = `the Quartermaster app (client id ${context.clientId})`;
  const check = (problem: string, fix: string) => ({ ok: false as const, code, problem, fix });

  if (code.startsWith('AADSTS')) return signInAdvice(code, context, check);
  switch (code) {
    case 'AuthorizationFailed':
    case 'RBACAccessDenied':
      return isBillingAccount(context.scope)
        ? check(
            `Quartermaster's app has no reader role on the billing account ${scope}.`,
            `In the Azure portal open Cost Management + Billing → Billing scopes → the billing account → Access control (IAM) → Add → Billing account reader → assign it to ${app}.`,
          )
        : check(
            `Quartermaster's app has no Cost Management Reader role on ${scope}.`,
            `In the Azure portal open the subscription → Access control (IAM) → Add role assignment → Cost Management Reader → assign it to ${app}.`,
          );
    case 'SubscriptionNotFound':
      return check(
        `Azure does not know the subscription ${scope.replace('/subscriptions/', '')}.`,
        `Check the subscription id (Azure portal → Subscriptions) and that the subscription belongs to this tenant (${context.tenantId}).`,
      );
    case 'NotFound':
    case 'BillingAccountNotFound':
      return check(
        `Azure does not know the scope ${scope}.`,
        `Check the id (Azure portal → Cost Management + Billing → Billing scopes) and that it belongs to this tenant (${context.tenantId}).`,
      );
    case 'MissingSubscriptionRegistration':
    case 'SubscriptionNotRegistered':
      return check(
        `The subscription ${scope.replace('/subscriptions/', '')} has not registered the Cost Management resource provider.`,
        'Register the Microsoft.CostManagement resource provider: Subscription → Resource providers → Microsoft.CostManagement → Register.',
      );
    case 'InvalidAuthenticationTokenTenant':
      return check(
        `${scope} belongs to another Microsoft Entra tenant than this Teams tenant (${context.tenantId}).`,
        'Connect it from the Teams tenant whose directory owns the subscription, or check that you copied the right subscription id.',
      );
    case 'AccountCostDisabled':
      return check(
        'Cost data is turned off for this Enterprise Agreement account.',
        "An enterprise administrator turns on 'AO view charges' (and 'DA view charges') for the enrollment, then try again.",
      );
    case 'InvalidAuthenticationToken':
    case 'ExpiredAuthenticationToken':
    case 'InvalidAuthenticationTokenAudience':
    case 'AuthenticationFailed':
      return check(
        'Azure refused the sign-in token Quartermaster sent.',
        'Try again in a few minutes; if it keeps failing, ask the operator of Quartermaster to check the app registration and its admin consent.',
      );
  }
  switch (error.kind) {
    case 'throttled': {
      const minutes = Math.max(1, Math.ceil((error.details.retryAfterSeconds ?? 60) / 60));
      return {
        ok: false,
        code: 'Throttled',
        problem: 'Azure Cost Management is busy: this tenant has used its query quota for the moment. The connection itself is fine.',
        fix: `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      };
    }
    case 'unavailable':
      return {
        ok: false,
        code: error.details.status ? code : 'Unavailable',
        problem: `Azure did not answer (${error.message.replace(/^azure-cost:?\s*/, '')}).`,
        fix: 'Try again later; if it lasts, check https://status.azure.com.',
      };
    case 'unauthorized':
      return check(
        'Azure refused Quartermaster access to the cost data.',
        `Give ${app} the Cost Management Reader role on ${scope} and check that the app has admin consent in tenant ${context.tenantId}.`,
      );
    default:
      return check(
        `Azure refused the cost query: ${error.message.replace(/^azure-cost:\s*/, '')}`,
        'Check the scope; if it looks right, report this to the operator of Quartermaster.',
      );
  }
}

/** AADSTS codes from the token provider: the app cannot even sign in to the tenant. */
function signInAdvice(code: string, context: AdviceContext, check: (problem: string, fix: string) => Extract<HealthCheck, { ok: false }>) {
  switch (code) {
    case 'AADSTS700016':
    case 'AADSTS65001':
    case 'AADSTS7000229':
    case 'AADSTS500011':
      return check(
        `Quartermaster's app is not approved (no admin consent) in tenant ${context.tenantId}, so it cannot sign in to Azure there.`,
        'A Global Administrator of the tenant grants admin consent to Quartermaster (connect Microsoft 365 in Quartermaster), then try again.',
      );
    case 'AADSTS90002':
    case 'AADSTS90023':
      return check(
        `Microsoft Entra ID does not know the tenant ${context.tenantId}.`,
        'Check that the Azure subscription is connected from the right Teams tenant.',
      );
    case 'AADSTS7000215':
    case 'AADSTS7000222':
    case 'AADSTS7000218':
      return check(
        "Quartermaster's app credentials were refused (the client secret is wrong or expired).",
        'Ask the operator of Quartermaster to renew the app registration’s client secret.',
      );
    default:
      return check(
        `Microsoft Entra ID refused Quartermaster's sign-in to tenant ${context.tenantId} (${code}).`,
        'Check that Quartermaster has admin consent in this tenant and that the scope belongs to it.',
      );
  }
}
