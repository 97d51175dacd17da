// Storage failures the rest of the app can act on without knowing about RestError.
import { RestError } from '@azure/data-tables';

/** Storage cannot be reached (network, DNS, 5xx, timeout). The user should try again later. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(cause: unknown) {
    super('Storage is unreachable', { cause });
  }
}

/** Someone else changed the entity since it was read (412) or created it first (409). */
export class ConcurrencyError extends Error {
  override name = 'ConcurrencyError';
}

/**
 * An entity group transaction was refused as a whole: `status` and the index of the action
 * that failed (409 an entity to create exists, 412 an ETag no longer matches, 404 a row to
 * change is gone). Nothing of it was written.
 */
export class TransactionRefused extends ConcurrencyError {
  override name = 'TransactionRefused';
  constructor(
    readonly status: number,
    readonly actionIndex: number | undefined,
  ) {
    super(`transaction refused (${status} at action ${actionIndex ?? '?'})`);
  }
}

export function isStorageUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (error instanceof RestError || error.name === 'RestError') {
    const status = (error as RestError).statusCode;
    return status === undefined || status >= 500 || (error as RestError).code === 'REQUEST_SEND_ERROR';
  }
  return isStorageUnavailable(error.cause);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof Error && error.name === 'RestError' ? (error as RestError).statusCode : undefined;
}

/** Wraps a storage call so connection failures surface as StorageUnavailableError. */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isStorageUnavailable(error)) throw new StorageUnavailableError(error);
    throw error;
  }
}
