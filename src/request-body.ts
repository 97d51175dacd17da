// Reads the JSON body of a POST /api/messages before anything else looks at it. Teams sends
// plain (never compressed) JSON activities well under a megabyte, so everything else is refused
// before a byte is parsed: a Content-Encoding (a gzip body used to reach an inflater with no
// error handler, which killed the process, and inflated past every size limit), a content type
// that is not JSON, a declared or streamed length over the limit. raw-body counts the bytes
// that arrive, stops reading at the limit and reports aborted or short streams as errors.
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';

export const MAX_ACTIVITY_BYTES = 1024 * 1024;

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; error: string };

/** The encodings a body may declare: none. "identity" is the HTTP name for none. */
function declaredEncoding(req: IncomingMessage): string | undefined {
  const value = req.headers['content-encoding'];
  const encoding = (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().toLowerCase();
  return encoding === '' || encoding === 'identity' ? undefined : encoding;
}

/** application/json, with or without parameters (charset=utf-8 is what Teams sends). */
function isJson(req: IncomingMessage): boolean {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

function charsetOf(req: IncomingMessage): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '');
  return (match?.[1] ?? 'utf-8').toLowerCase();
}

export async function readJsonBody(req: IncomingMessage, limit = MAX_ACTIVITY_BYTES): Promise<BodyResult> {
  if (declaredEncoding(req)) return { ok: false, status: 415, error: 'Compressed or encoded bodies are not accepted; send plain JSON' };
  if (!isJson(req)) return { ok: false, status: 415, error: 'Expected Content-Type: application/json' };
  const charset = charsetOf(req);
  if (charset !== 'utf-8' && charset !== 'utf8') return { ok: false, status: 415, error: 'Expected UTF-8 JSON' };
  const length = req.headers['content-length'];
  let text: string;
  try {
    text = await getRawBody(req, {
      limit,
      encoding: 'utf-8',
      ...(length !== undefined && !req.headers['transfer-encoding'] && { length }),
    });
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 413) return { ok: false, status: 413, error: `The body is larger than ${limit} bytes` };
    return { ok: false, status: 400, error: 'The body could not be read' };
  }
  if (text.trim() === '') return { ok: false, status: 400, error: 'The body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, error: 'The body is not valid JSON' };
  }
}

/**
 * After a refusal that did not read the body (415): reads and throws away the rest when it is
 * declared within the limit, so the client hears the refusal instead of a reset connection
 * (closing while it still sends makes most clients report ECONNRESET, not our answer). Bytes
 * are only counted, never decoded or inflated. False when the rest is undeclared, over the
 * limit or slow: then the connection should be closed instead.
 */
export async function discardDeclaredBody(req: IncomingMessage, limit = MAX_ACTIVITY_BYTES, timeoutMs = 5_000): Promise<boolean> {
  if (req.complete) return true;
  const declared = Number(req.headers['content-length']);
  if (req.headers['transfer-encoding'] || !Number.isSafeInteger(declared) || declared > limit) return false;
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([getRawBody(req, { limit, length: declared }).then(() => true), slow]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
