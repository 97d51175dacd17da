// AWS SDK failures → ConnectorError kinds, and health-check failures → plain advice. The SDK
// surfaces unmodelled errors (AccessDeniedException, UnrecognizedClientException, STS
// AccessDenied) by their wire code in `error.name`; network failures carry no $metadata.
import { ConnectorError, type ConnectorErrorKind, type HealthCheck } from '../ports.js';

export const CE_SERVICE = 'aws-cost-explorer';
export const STS_SERVICE = 'aws-sts';

const THROTTLING = new Set([
  'LimitExceededException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const CREDENTIALS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
]);

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function awsFailure(service: string, error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as SdkErrorLike;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  let kind: ConnectorErrorKind;
  if (THROTTLING.has(name)) kind = 'throttled';
  else if (CREDENTIALS.has(name)) kind = 'unauthorized';
  else if (status === undefined || status >= 500 || name === 'TimeoutError')
    kind = 'unavailable'; // no HTTP answer, or the service failed
  else kind = 'invalid-request'; // DataUnavailableException, ValidationException, InvalidNextTokenException, BillExpirationException…
  const reason =
    status === undefined && kind === 'unavailable'
      ? `could not be reached (${e.code ?? e.message ?? name})`
      : `${name}: ${e.message ?? ''}`.trim();
  return new ConnectorError(kind, `${service}: ${reason}`, {
    service,
    code: status === undefined && kind === 'unavailable' ? (e.code ?? name) : name,
    ...(status !== undefined ? { status } : {}),
  });
}

/** AccessDeniedException because the account never enabled Cost Explorer (AWS's own words). */
export function isCostExplorerNotEnabled(error: ConnectorError): boolean {
  return error.details.code === 'AccessDeniedException' && /not enabled for cost explorer/i.test(error.message);
}

/** "AKIA…WXYZ": enough to tell keys apart, never the whole id. */
export function keyHint(accessKeyId: string): string {
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

export interface AdviceContext {
  accountId: string;
  /** For an access key: which one (hinted). */
  accessKeyId?: string;
  /** For a role: the role, its external id and the principal Quartermaster assumes it as. */
  roleArn?: string;
  externalId?: string;
  appPrincipalArn?: string;
}

const GRANT_CE_READ =
  'Grant the IAM user or role the permissions ce:GetCostAndUsage and ce:GetCostForecast: attach a policy with one statement whose Effect is Allow, Action is ["ce:GetCostAndUsage", "ce:GetCostForecast"] and Resource is "*". Then run the check again.';

/** A failed health check in words an admin can act on. */
export function healthAdvice(error: ConnectorError, context: AdviceContext): HealthCheck & { ok: false } {
  const code = String(error.details.code ?? error.kind);
  const fromSts = error.details.service === STS_SERVICE;
  const key = context.accessKeyId ? `access key ${keyHint(context.accessKeyId)}` : 'the access key';
  const newKey =
    'Create a new access key for the IAM user (IAM console → Users → the user → Security credentials → Create access key) and enter it again.';

  if (fromSts && (code === 'AccessDenied' || code === 'AccessDeniedException')) {
    return {
      ok: false,
      code,
      problem: `Quartermaster could not assume the role ${context.roleArn ?? `in account ${context.accountId}`}: the role does not trust Quartermaster, or the external ID does not match.`,
      fix: `In the IAM console, open the role's Trust relationships and allow the principal ${context.appPrincipalArn ?? "Quartermaster's AWS principal"} to perform sts:AssumeRole with the condition sts:ExternalId equal to "${context.externalId ?? ''}". Check that the role ARN is spelled exactly as in IAM.`,
    };
  }
  if (fromSts && error.kind === 'unauthorized') {
    return {
      ok: false,
      code,
      problem: "Quartermaster's own AWS credentials (used to assume customer roles) were refused by AWS.",
      fix: 'Ask the person who runs Quartermaster to check its AWS access key (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): it may be wrong, disabled or deleted.',
    };
  }
  switch (code) {
    case 'AccessDeniedException':
      // The same exception says two different things: a missing permission, or an account
      // that never enabled Cost Explorer (no IAM change helps there).
      if (isCostExplorerNotEnabled(error))
        return {
          ok: false,
          code,
          problem: `Cost Explorer is not enabled for account ${context.accountId} (AWS: "User not enabled for cost explorer access"). This is not a permission problem.`,
          fix: 'Enable Cost Explorer: sign in to the AWS Billing and Cost Management console with the management account (root user or an IAM user with billing access), open Cost Explorer and choose Launch Cost Explorer. Data appears within 24 hours; then run the check again.',
        };
      return { ok: false, code, problem: "The key can't read Cost Explorer.", fix: GRANT_CE_READ };
    case 'DataUnavailableException':
      return {
        ok: false,
        code,
        problem: `Cost Explorer has no data yet for account ${context.accountId}.`,
        fix: 'If Cost Explorer was enabled recently, wait: data appears within 24 hours. Then run the check again.',
      };
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return { ok: false, code, problem: `AWS does not recognise ${key}: it is wrong, or it was deleted or deactivated.`, fix: newKey };
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return {
        ok: false,
        code,
        problem: `The secret access key does not belong to ${key} (AWS rejected the signature).`,
        fix: `Enter the secret exactly as shown when the key was created. If it is lost, ${newKey.charAt(0).toLowerCase()}${newKey.slice(1)}`,
      };
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return {
        ok: false,
        code,
        problem: 'The temporary AWS credentials have expired.',
        fix: 'Run the check again; if it keeps failing, connect the account again.',
      };
  }
  if (error.kind === 'throttled') {
    return {
      ok: false,
      code,
      problem: 'AWS Cost Explorer is busy: too many requests right now (rate exceeded).',
      fix: 'Nothing is wrong with the connection. Try again in a few minutes.',
    };
  }
  if (error.kind === 'unavailable') {
    return {
      ok: false,
      code,
      problem: 'AWS did not answer.',
      fix: 'Check that Quartermaster can reach ce.us-east-1.amazonaws.com (network, proxy, firewall) and try again in a few minutes.',
    };
  }
  return {
    ok: false,
    code,
    problem: `AWS refused the cost query: ${error.message.replace(/^aws-[\w-]+: /, '')}`,
    fix: 'Check the account ID and credentials, then run the check again.',
  };
}
