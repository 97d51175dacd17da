// The yardstick: a bare botbuilder echo bot on the same restify and CloudAdapter stack,
// measured in the same run, so the ratio says what Quartermaster's own work costs. It runs
// in a process of its own, as the bot under test does (bench/bot-process.ts).
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';
import { runIfEntry, serveAsChild, startBenchChild, type BenchChild } from './child.js';

export function startEchoBot(): Promise<BenchChild<{ url: string }>> {
  return startBenchChild('echo bot', 'echo-bot.ts', {});
}

async function serve(): Promise<void> {
  // No app id: authentication off, as for the bot under test.
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppType: 'MultiTenant' }));
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
    await next();
  });
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  serveAsChild({ url: `http://127.0.0.1:${port}` }, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

runIfEntry('echo-bot.ts', serve);
