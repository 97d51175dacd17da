// The PUT of a file into a person's OneDrive upload session: the URL Teams hands over when the
// person allows a file consent card (src/bot/billing-files.ts). Sent over the connectors' shared
// transport, like every other outbound call.
import { sendHttp } from './http-transport.js';

export interface UploadOptions {
  /** Outside production the upload URL may be on loopback (tests, local mode); production takes https only. */
  allowLoopback: boolean;
  timeoutMs: number;
}

/** Whether Quartermaster may PUT a file to this URL: OneDrive's upload sessions are https. */
export function uploadTargetAllowed(url: string, options: Pick<UploadOptions, 'allowLoopback'>): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol === 'https:') return true;
  return options.allowLoopback && target.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
}

/** Puts the whole file into the upload session in one request (Content-Range covers it all); the answer's status. */
export async function uploadFile(url: string, bytes: Uint8Array, options: UploadOptions): Promise<number> {
  const answer = await sendHttp(url, {
    method: 'PUT',
    headers: {
      'Content-Length': String(bytes.length),
      'Content-Range': `bytes 0-${Math.max(0, bytes.length - 1)}/${bytes.length}`,
    },
    body: bytes,
    timeoutMs: options.timeoutMs,
  });
  return answer.status;
}
