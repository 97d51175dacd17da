// Azure Table keys may not contain / \ # ? or control characters, and are at most 1 KiB.
// We percent-encode those (and % itself, so decoding is exact).
const FORBIDDEN = /[%/\\#?\u0000-\u001F\u007F-\u009F]/g;
const MAX_KEY_BYTES = 1024;

export function encodeKey(value: string): string {
  const encoded = value.replace(FORBIDDEN, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  if (Buffer.byteLength(encoded, 'utf16le') > MAX_KEY_BYTES) {
    throw new RangeError(`Table key is longer than ${MAX_KEY_BYTES} bytes once encoded`);
  }
  return encoded;
}

export function decodeKey(encoded: string): string {
  return encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Every partition starts with the Teams tenant id, so tenants never share a partition. */
export function tenantPartition(tenantId: string, ...scope: string[]): string {
  if (!tenantId) throw new RangeError('A tenant id is required for every partition key');
  return [tenantId, ...scope].map(encodeKey).join('|');
}

/** RowKey that sorts newest first: inverted epoch milliseconds, zero-padded, plus a unique suffix. */
export function newestFirstRowKey(at: Date, uniqueSuffix: string): string {
  const inverted = 9_999_999_999_999 - at.getTime();
  return `${inverted.toString().padStart(13, '0')}-${uniqueSuffix}`;
}

/** Timestamp encoded in a newestFirstRowKey. */
export function timeOfNewestFirstRowKey(rowKey: string): Date {
  return new Date(9_999_999_999_999 - Number(rowKey.slice(0, 13)));
}
