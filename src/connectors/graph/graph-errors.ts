// Graph error answers → ConnectorError kinds. Graph's error body is
// { "error": { "code": "...", "message": "..." } }. License assignment failures are all 400
// Request_BadRequest; only the message tells them apart.
import { ConnectorError } from '../ports.js';
import { kindForStatus, retryAfterSeconds } from '../outbound.js';

const SERVICE = 'graph';

export function graphFailure(status: number, bodyText: string, headers: Headers): ConnectorError {
  const { code, message } = errorOf(bodyText);
  const text = message ?? (bodyText.slice(0, 200) || `HTTP ${status}`);
  let kind = kindForStatus(status);
  if (status === 400 && /usage location/i.test(text)) kind = 'usage-location';
  if (status === 400 && /does not have any available licenses/i.test(text)) kind = 'no-free-seat';
  const retryAfter = retryAfterSeconds(headers.get('retry-after'));
  return new ConnectorError(kind, `graph: ${code ?? status}: ${text}`, {
    service: SERVICE,
    status,
    ...(code ? { code } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}

function errorOf(text: string): { code?: string; message?: string } {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    if (error && typeof error === 'object') {
      const { code, message } = error as Record<string, unknown>;
      return { ...(typeof code === 'string' && code ? { code } : {}), ...(typeof message === 'string' ? { message } : {}) };
    }
  } catch {
    // not JSON (a proxy's error page): the text itself says what happened
  }
  return {};
}
