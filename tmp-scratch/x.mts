import { mkdtempSync, writeFileSync } from 'node:fs';
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
const children = new ChildProcesses(createLogger('silent'));
let qm: any; let browser: any;
try {
  const { connectionString } = await startAzurite(children, { tablePort: await freePort(), queuePort: await freePort() });
  qm = await startQuartermaster({
    environment: 'test', host: '127.0.0.1', port: 0, logLevel: 'info', shutdownTimeoutMs: 5000,
    bot: { appType: 'SingleTenant' }, storage: { kind: 'connection-string', connectionString }, tablePrefix: 'explore1',
    bootstrapAdmins: [{ tenantId: '00000000-0000-0000-0000-0000000000001', aadObjectId: '00000000-0000-0000-0000-0000000000020' }],
  } as any, createLogger('info'));
  const pg = await startPlayground(children, { port: await freePort(), botEndpoint: `${qm.url}/api/messages`, workDir: mkdtempSync(join(tmpdir(), 'pgwork-')) });
  console.log('playground', pg.url);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m: any) => console.log('[console]', m.type(), m.text().slice(0, 300)));
  page.on('request', (r: any) => { const u = r.url(); if (!u.startsWith(pg.url) && !u.startsWith('data:')) console.log('[ext request]', u); });
  await page.goto(pg.url);
  await page.waitForTimeout(5000);
  await page.screenshot({ path: `${shots}/1-loaded.png` });
  const html = await page.content();
  writeFileSync(`${shots}/page.html`, html);
  console.log('textboxes', await page.getByRole('textbox').count());
  const welcome = await page.getByText('Welcome to Quartermaster').count();
  console.log('welcome count', welcome);
} catch (e) { console.error('ERR', e); }
finally {
  await browser?.close();
  await qm?.stop();
  await children.stopAll();
}
