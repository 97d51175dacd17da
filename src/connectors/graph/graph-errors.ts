// Graph failures → ConnectorError kinds. License assignment failures are all 400
// Request_BadRequest; only the message tells them apart.
import { GraphError } from '@microsoft/microsoft-graph-client';
import { ConnectorError } from '../ports.js';
import { kindForStatus, retryAfterSeconds, transportFailure } from '../outbound.js';

const SERVICE = 'graph';

export function graphFailure(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  // A body that is not JSON (a proxy's error page, a cut-off answer) says nothing about the
  // request: try again later, as for a 5xx, rather than failing it for good.
  if (error instanceof SyntaxError || (error instanceof GraphError && error.code === 'SyntaxError'))
    return new ConnectorError('unavailable', 'graph: Microsoft Graph sent an answer that could not be read', { service: SERVICE });
  if (!(error instanceof GraphError))
    return new ConnectorError('invalid-request', `graph: ${error instanceof Error ? error.message : String(error)}`, { service: SERVICE });

  const status = error.statusCode;
  if (!status || status < 0) {
    // No HTTP answer: the client wraps the transport's error (code = its name, e.g. TimeoutError).
    return transportFailure(SERVICE, Object.assign(new Error(error.message), { name: error.code ?? 'Error' }));
  }
  // A proxy's page in place of Graph's error body leaves the message empty: say what came.
  const message = error.message || `Microsoft Graph answered HTTP ${status} without an error message`;
  let kind = kindForStatus(status);
  if (status === 400 && /usage location/i.test(message)) kind = 'usage-location';
  if (status === 400 && /does not have any available licenses/i.test(message)) kind = 'no-free-seat';
  const retryAfter = retryAfterSeconds(error.headers?.get('retry-after'));
  return new ConnectorError(kind, `graph: ${error.code ?? status}: ${message}`, {
    service: SERVICE,
    status,
    ...(error.code ? { code: error.code } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}
