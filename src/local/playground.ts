// The Microsoft 365 Agents Playground (a dev dependency): a Teams-like web client that
// also plays the Bot Connector service for the local bot. Works offline.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { waitUntilReady, type ChildProcesses } from './child-processes.js';

export async function startPlayground(
  children: ChildProcesses,
  options: { port: number; botEndpoint: string; workDir: string },
): Promise<{ url: string }> {
  const require = createRequire(import.meta.url);
  mkdirSync(options.workDir, { recursive: true });
  const child = children.start(
    'Agents Playground',
    process.execPath,
    [
      require.resolve('@microsoft/m365agentsplayground/cli.js'),
      '-e',
      options.botEndpoint,
      '-c',
      'msteams',
      '-p',
      String(options.port),
      '--disable-telemetry',
    ],
    // Its working folder holds its config (.m365agentsplayground.yml, optional) and logs.
    // Its Application Insights "statsbeat" would otherwise look up Azure hosts even with
    // telemetry off: local runs reach nothing but loopback.
    { cwd: options.workDir, env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: '1' } },
  );
  let port: number | undefined;
  // It falls back to a random port when ours is taken, and says which on stdout.
  await waitUntilReady(
    child,
    async () => {
      const match = /Listening on (\d+)/.exec(child.output());
      port = match ? Number(match[1]) : undefined;
      return port !== undefined;
    },
    60_000,
  );
  return { url: `http://localhost:${port}` };
}
