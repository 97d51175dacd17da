// The PUT into a OneDrive upload session after a person allows a file consent card: the whole
// file in one request with its Content-Range, the session's status back, and only https (or
// loopback outside production) as a target.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile, uploadTargetAllowed } from '../../src/connectors/onedrive-upload.js';
import { respond } from '../harness/respond.js';

let server: Server;
let base = '';
const seen: { method: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      // OneDrive answers the last range of a session with 201 Created and the item.
      respond(res, req.url === '/expired' ? 404 : 201, { 'content-type': 'application/json' }, '{"id":"item-1"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('uploadFile', () => {
  it('puts the whole file with a Content-Range covering it and answers the status', async () => {
    const bytes = Buffer.from('%PDF-1.7 invoice');
    expect(await uploadFile(`${base}/session`, bytes, { allowLoopback: true, timeoutMs: 5_000 })).toBe(201);
    const request = seen.at(-1)!;
    expect(request.method).toBe('PUT');
    expect(request.headers['content-range']).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(request.headers['content-length']).toBe(String(bytes.length));
    expect(request.body.equals(bytes)).toBe(true);
  });

  it('answers a refused session with its status rather than rejecting', async () => {
    expect(await uploadFile(`${base}/expired`, Buffer.from('x'), { allowLoopback: true, timeoutMs: 5_000 })).toBe(404);
  });
});

describe('uploadTargetAllowed', () => {
  it('takes https, and plain http on loopback only when allowed', () => {
    expect(uploadTargetAllowed('https://contoso-my.sharepoint.example/upload', { allowLoopback: false })).toBe(true);
    expect(uploadTargetAllowed('http://127.0.0.1:1/upload', { allowLoopback: false })).toBe(false);
    expect(uploadTargetAllowed('http://127.0.0.1:1/upload', { allowLoopback: true })).toBe(true);
    expect(uploadTargetAllowed('http://files.example/upload', { allowLoopback: true })).toBe(false);
    expect(uploadTargetAllowed('not a url', { allowLoopback: true })).toBe(false);
  });
});
