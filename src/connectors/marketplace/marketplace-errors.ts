// Marketplace Platform failures → ConnectorError kinds. The platform answers with RFC 9110
// problem details {type,title,status,detail,traceId,errors}; business errors are told apart
// by the code after "#" in `type`. A 401 always means the API token is no longer good
// (expired or revoked): code 'token-expired', so the connection can be marked "needs attention".
import { kindForStatus, retryAfterSeconds } from '../outbound.js';
import { ConnectorError, type ConnectorErrorKind } from '../ports.js';

const SERVICE = 'marketplace';

/** Problem `type` codes (sandbox ones; the real platform's MPTCOM codes can be added here). */
const BUSINESS_CODES: Record<string, ConnectorErrorKind> = {
  'MPTCOM-SBX-0090': 'cannot-decrease',
  'MPTCOM-SBX-0060': 'order-in-progress',
  'MPTCOM-SBX-0120': 'no-free-seat',
};

export const TOKEN_EXPIRED_MESSAGE =
  'the API token expired or was revoked: create a new token in the Marketplace portal and enter it in connect';
export const NOT_CONNECTED_MESSAGE = 'Marketplace is not connected';

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  traceId?: string;
  errors?: { message?: string; properties?: string[] }[];
}

/** `secret` (the API token) is cut out of anything quoted back, whatever the server echoed. */
export function marketplaceFailure(status: number, bodyText: string, headers: Headers, secret?: string): ConnectorError {
  const problem = parseProblem(bodyText);
  const code = problem.type?.includes('#') ? problem.type.slice(problem.type.lastIndexOf('#') + 1) : undefined;
  const redact = (text: string) => (secret ? text.split(secret).join('[token]') : text);
  if (status === 401) {
    return new ConnectorError('unauthorized', `${SERVICE}: ${TOKEN_EXPIRED_MESSAGE}`, { service: SERVICE, status, code: 'token-expired' });
  }
  const kind = (code !== undefined && BUSINESS_CODES[code]) || kindForStatus(status);
  const text = redact(problem.detail ?? problem.title ?? (bodyText.slice(0, 200) || `HTTP ${status}`));
  const retryAfter = retryAfterSeconds(headers.get('retry-after'));
  return new ConnectorError(kind, `${SERVICE}: ${text}`, {
    service: SERVICE,
    status,
    ...(code !== undefined ? { code } : {}),
    ...(status === 429 && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}

function parseProblem(text: string): ProblemDetails {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      return {
        ...(typeof o.type === 'string' ? { type: o.type } : {}),
        ...(typeof o.title === 'string' ? { title: o.title } : {}),
        ...(typeof o.status === 'number' ? { status: o.status } : {}),
        ...(typeof o.detail === 'string' ? { detail: o.detail } : {}),
        ...(typeof o.traceId === 'string' ? { traceId: o.traceId } : {}),
      };
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return {};
}
