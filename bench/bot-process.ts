// Quartermaster for the turn scenarios, in a process of its own as in production: the bench
// process only generates load and plays the Bot Connector, so the bot's CPU and resident
// memory are its own. It talks to the run's Azurite and to the sandbox process, and runs no
// queue workers (fulfilment would compete for the CPU during the measurement).
import type { SandboxEndpoints } from '../src/connectors/index.js';
import { BotHarness } from '../test/harness/bot-harness.js';
import { LoopbackConnector } from '../test/harness/loopback-connector.js';
import { childSettings, runIfEntry, serveAsChild, startBenchChild, type BenchChild } from './child.js';

interface Settings {
  connectionString: string;
  sandbox: SandboxEndpoints;
}

export function startBotProcess(settings: Settings): Promise<BenchChild<{ url: string }>> {
  return startBenchChild('bench bot', 'bot-process.ts', settings, 120_000);
}

async function serve(): Promise<void> {
  const { connectionString, sandbox } = childSettings<Settings>();
  // Replies go to the serviceUrl each activity names (the bench's connector): this one is never started.
  const bot = await BotHarness.start(
    { storage: { kind: 'connection-string', connectionString }, logLevel: 'silent' },
    { remoteSandbox: sandbox, connector: new LoopbackConnector(), startWorkers: false },
  );
  serveAsChild({ url: bot.qm.url }, () => bot.stop());
}

runIfEntry('bot-process.ts', serve);
