// The connectors' wire (src/connectors/http-transport.ts): every answer a service sends comes
// back whole (status, headers, text); only no answer at all rejects.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { respond } from '../harness/respond.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendHttp } from '../../src/connectors/http-transport.js';

let server: Server;
let base = '';
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const routes: Record<string, (res: ServerResponse) => void> = {
  '/json': (res) => respond(res, 200, { 'content-type': 'application/json', 'request-id': 'r-1' }, '{"value":[1,2]}'),
  '/created': (res) => respond(res, 201, { location: '/orders/1' }, '{"id":"1"}'),
  '/empty': (res) => respond(res, 204),
  '/throttled': (res) =>
    respond(res, 429, { 'retry-after': '7', 'content-type': 'application/json' }, '{"error":{"code":"TooManyRequests"}}'),
  '/cookies': (res) =>
    respond(
      res,
      200,
      [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
      'ok',
    ),
  '/garbage': (res) => respond(res, 200, { 'content-type': 'application/json' }, '<html>proxy error</html>'),
  '/slow': (res) => void setTimeout(() => respond(res, 200, {}, 'late'), 2_000),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      (routes[(req.url ?? '').split('?')[0]!] ?? ((r: ServerResponse) => respond(r, 404)))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('sendHttp', () => {
  it('answers status, headers (any case) and the body text', async () => {
    const response = await sendHttp(`${base}/json?$select=id`, { headers: { authorization: 'Bearer t', 'client-request-id': 'c-1' } });
    expect([response.status, response.ok]).toEqual([200, true]);
    expect(response.headers.get('Request-Id')).toBe('r-1');
    expect(JSON.parse(response.text)).toEqual({ value: [1, 2] });
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/json?$select=id',
      headers: { authorization: 'Bearer t', 'client-request-id': 'c-1' },
    });
  });

  it('sends the method and body it is given', async () => {
    const response = await sendHttp(`${base}/created`, {
      method: 'post',
      headers: { 'content-type': 'application/json' },
      body: '{"quantity":2}',
    });
    expect([response.status, response.headers.get('location'), response.text]).toEqual([201, '/orders/1', '{"id":"1"}']);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"quantity":2}' });
    await sendHttp(`${base}/created`, { method: 'PATCH', body: new TextEncoder().encode('bytes') });
    expect(seen.at(-1)).toMatchObject({ method: 'PATCH', body: 'bytes' });
  });

  it('a 204 has an empty body; an error status is an answer too, with its headers', async () => {
    const empty = await sendHttp(`${base}/empty`, { method: 'DELETE' });
    expect([empty.status, empty.ok, empty.text]).toEqual([204, true, '']);
    const throttled = await sendHttp(`${base}/throttled`);
    expect([throttled.status, throttled.ok, throttled.headers.get('retry-after')]).toEqual([429, false, '7']);
    expect(JSON.parse(throttled.text)).toEqual({ error: { code: 'TooManyRequests' } });
  });

  it('keeps repeated headers, and a body that is not what it claims to be as it came', async () => {
    const cookies = await sendHttp(`${base}/cookies`);
    expect(cookies.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const garbage = await sendHttp(`${base}/garbage`);
    expect(garbage.text).toBe('<html>proxy error</html>');
  });

  it('refuses a scheme other than http and https without a call', async () => {
    await expect(sendHttp('ftp://127.0.0.1/x')).rejects.toThrow(/unsupported URL scheme: ftp:/);
  });

  it('rejects with a TimeoutError past its deadline', async () => {
    const started = performance.now();
    const late = await sendHttp(`${base}/slow`, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(late).toMatchObject({ name: 'TimeoutError', message: 'no answer within 100 ms' });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('a deadline does not outlive a call that answered in time', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const answer = await sendHttp(`${base}/json`, { timeoutMs: 60_000 });
    expect(answer.status).toBe(200);
    // The timer was cleared: nothing keeps the loop alive or fires later.
    expect(timers()).toBe(before);
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    await expect(sendHttp(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
