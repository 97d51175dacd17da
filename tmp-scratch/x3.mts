import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startQuartermaster } from '../src/index.ts';
import { createLogger } from '../src/logger.ts';
import { ChildProcesses } from '../src/local/child-processes.ts';
import { startAzurite } from '../src/local/azurite.ts';
import { startPlayground } from '../src/local/playground.ts';
import { freePort } from '../test/harness/ports.ts';

const shots = '/tmp/pg/shots';
const t0 = Date.now();
const log = (...a: any[]) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const children = new ChildProcesses(createLogger('silent'));
let qm: any; let browser: any; let proxy: any;
try {
  const { connectionString } = await startAzurite(children, { tablePort: await freePort(), queuePort: await freePort() });
  qm = await startQuartermaster({
    environment: 'test', host: '127.0.0.1', port: 0, logLevel: 'warn', shutdownTimeoutMs: 5000,
    bot: { appType: 'SingleTenant' }, storage: { kind: 'connection-string', connectionString }, tablePrefix: 'explore2',
    bootstrapAdmins: [{ tenantId: '00000000-0000-0000-0000-0000000000001', aadObjectId: '00000000-0000-0000-0000-0000000000020' }],
  } as any, createLogger('warn'));
  // logging proxy in front of the bot
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = []; for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    let a: any = {}; try { a = JSON.parse(body); } catch {}
    log('-> bot', req.method, req.url, a.type, a.name ?? '', JSON.stringify({ text: a.text, from: a.from, recipient: a.recipient, conv: a.conversation, membersAdded: a.membersAdded, channelData: a.channelData, value: a.value, serviceUrl: a.serviceUrl }).slice(0, 900));
    const r = await fetch(`${qm.url}${req.url}`, { method: req.method, headers: req.headers as any, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
    const rb = await r.text();
    log('<- bot', r.status, rb.slice(0, 400));
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }); res.end(rb);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
  const pg = await startPlayground(children, { port: await freePort(), botEndpoint: `${proxyUrl}/api/messages`, workDir: mkdtempSync(join(tmpdir(), 'pgwork-')) });
  log('playground', pg.url);
  await new Promise((r) => setTimeout(r, 3000));
  log('launching browser');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route: any) => {
    const u = new URL(route.request().url());
    if (['localhost', '127.0.0.1'].includes(u.hostname) || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    log('[blocked]', u.href); return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m: any) => log('[console]', m.type(), m.text().slice(0, 300)));
  page.on('websocket', (ws: any) => log('[ws]', ws.url()));
  log('goto');
  await page.goto(pg.url);
  await page.getByText('Welcome to Quartermaster').waitFor({ timeout: 20000 }).catch((e: any) => log('no welcome', e.message));
  log('welcome visible?', await page.getByText('Welcome to Quartermaster').count());
  await page.screenshot({ path: `${shots}/2-loaded.png` });
  writeFileSync(`${shots}/page2.html`, await page.content());
  const box = page.getByRole('textbox');
  for (const cmd of ['whoami', 'status', '/HELP me', 'Status']) {
    await box.fill(cmd); await box.press('Enter');
    await page.waitForTimeout(2500);
    await page.screenshot({ path: `${shots}/7-${cmd.replace(/\W/g, '_')}.png` });
  }
  log('body text tail', (await page.locator('body').innerText()).slice(-3000));
} catch (e) { console.error('ERR', e); }
finally {
  await browser?.close();
  proxy?.close();
  await qm?.stop();
  await children.stopAll();
}
