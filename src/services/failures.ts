// What made a turn fail, in terms a person can act on: our storage is unreachable, an
// outside service refused or is down, or a fault of ours. The Teams surface's error boundary
// words its answer from this, without knowing storage or connector error types.
import { ConnectorError } from '../connectors/ports.js';
import { isStorageUnavailable } from '../storage/errors.js';

export type Failure =
  | { kind: 'storage-unavailable' }
  | {
      kind: 'outside-service';
      service: string;
      unauthorized: boolean;
      transient: boolean;
      message: string;
      /** What to do, in our own words, when the failure says more than "not allowed" (partner mode: the partner must connect). */
      advice?: string;
    }
  | { kind: 'internal' };

const SERVICE_NAMES: Record<string, string> = {
  graph: 'Microsoft 365',
  'partner-center': 'Partner Center',
  partnerCenter: 'Partner Center',
};

export function classifyFailure(error: unknown): Failure {
  if (isStorageUnavailable(error)) return { kind: 'storage-unavailable' };
  if (error instanceof ConnectorError)
    return {
      kind: 'outside-service',
      service: SERVICE_NAMES[error.details.service] ?? error.details.service,
      unauthorized: error.kind === 'unauthorized',
      transient: error.transient,
      message: error.message,
      ...(error.details.code === 'partner-not-connected' ? { advice: error.message } : {}),
    };
  return { kind: 'internal' };
}
