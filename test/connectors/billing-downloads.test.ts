// An invoice document's file name comes from the vendor's Content-Disposition: decoded and made
// safe, and a malformed percent-encoding in it never fails the download.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadDocument } from '../../src/connectors/billing/downloads.js';
import { respond } from '../harness/respond.js';

let server: Server;
let base = '';
const dispositions: Record<string, string> = {
  '/encoded': "attachment; filename*=UTF-8''Invoice%20G026050001.pdf",
  '/malformed': 'attachment; filename="Invoice_100%_G1.pdf"',
  '/none': 'attachment',
};

beforeAll(async () => {
  server = createServer((req, res) =>
    respond(res, 200, { 'content-type': 'application/pdf', 'content-disposition': dispositions[req.url ?? ''] ?? '' }, '%PDF-1.7'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const download = (path: string) =>
  downloadDocument(`${base}${path}`, { timeoutMs: 5_000, maxBytes: 1_000, service: 'test', fallbackName: 'Invoice_G1.pdf' });

describe('downloadDocument file names', () => {
  it('decodes the name the vendor sends and keeps it safe', async () => {
    expect(await download('/encoded')).toMatchObject({ filename: 'Invoice_G026050001.pdf', contentType: 'application/pdf' });
  });

  it('keeps a malformed percent-encoding as sent instead of failing', async () => {
    expect((await download('/malformed')).filename).toBe('Invoice_100__G1.pdf');
  });

  it('falls back to its own name when the vendor sends none', async () => {
    expect((await download('/none')).filename).toBe('Invoice_G1.pdf');
  });
});
