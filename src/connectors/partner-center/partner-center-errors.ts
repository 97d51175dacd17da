// Partner Center failures → ConnectorError kinds. Business errors are told apart by the
// body's numeric code, whatever the HTTP status; throttling answers come from the gateway
// in another shape ({statusCode, message: "... Try again in 57 seconds."}).
import { ConnectorError, type ConnectorErrorKind } from '../ports.js';
import { kindForStatus, retryAfterSeconds } from '../outbound.js';

const SERVICE = 'partner-center';

const BUSINESS_CODES: Record<number, ConnectorErrorKind> = {
  800060: 'order-in-progress',
  800090: 'cannot-decrease',
  800091: 'subscription-suspended',
  2002: 'quantity-out-of-range',
  60012: 'no-free-seat',
};

export function partnerCenterFailure(status: number, bodyText: string, headers: Headers): ConnectorError {
  const body = parseBody(bodyText);
  const code = body.code === undefined ? undefined : Number(body.code);
  const kind = (code !== undefined && BUSINESS_CODES[code]) || kindForStatus(status);
  const text = body.description ?? body.message ?? (bodyText.slice(0, 200) || `HTTP ${status}`);
  const retryAfter = retryAfterSeconds(headers.get('retry-after')) ?? secondsInMessage(body.message);
  return new ConnectorError(kind, `partner-center: ${text}`, {
    service: SERVICE,
    status,
    ...(body.code !== undefined ? { code: body.code } : {}),
    ...(status === 429 && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}

function parseBody(text: string): { code?: number | string; description?: string; message?: string } {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      return {
        ...(typeof o.code === 'number' || typeof o.code === 'string' ? { code: o.code } : {}),
        ...(typeof o.description === 'string' ? { description: o.description } : {}),
        ...(typeof o.message === 'string' ? { message: o.message } : {}),
      };
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return {};
}

/** "Rate limit is exceeded. Try again in 57 seconds." → 57 */
function secondsInMessage(message: string | undefined): number | undefined {
  const m = /try again in (\d+) seconds?/i.exec(message ?? '');
  return m ? Number(m[1]) : undefined;
}
