// `npm run bench`: measures Quartermaster on this machine in one run and prints a table
// (also written to bench-results.json). Everything runs on loopback: an in-memory Azurite and
// the Partner Center / Graph emulators (each in a process of their own, as the real services
// are elsewhere), a loopback Bot Connector, the bot, and a bare botbuilder echo bot measured
// the same way as the yardstick.
//
//   npm run bench                 all scenarios
//   BENCH_TURNS=4000 npm run bench  more turns per scenario (default 2000)
//   npm run bench -- spend        only the spend ingest (≈1,000,000 cost rows, budgets; see bench/spend.ts)
//   npm run bench -- billing      only invoice reconciliation (200,000 lines against 50,000 orders; see bench/billing-reconcile.ts)
//   npm run bench -- nlu          only language understanding (accuracy and time on labelled utterances; see bench/nlu.ts)
//
// Scenarios: (1) `help` turns and request form submissions at 32 concurrent conversations,
// each next to the echo bot (measured in interleaved slices); (2) 50 concurrent Approve
// clicks on one request; (3) a fan-out of 10,000 alerts through the outbox (BENCH_FANOUT to
// change the number).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildProcesses, exitOnInterrupt } from '../src/local/child-processes.js';
import { startAzurite } from '../src/local/azurite.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';
import { createConnectors } from '../src/connectors/index.js';
import { DEMO_GROUPS, DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS } from '../src/sandbox/index.js';
import { BotHarness, TestConversation, type TestUser } from '../test/harness/bot-harness.js';
import { LoopbackConnector } from '../test/harness/loopback-connector.js';
import { freePort } from '../test/harness/ports.js';
import { createAdapter } from '../src/bot/app.js';
import { createDelivery } from '../src/notify/delivery.js';
import { ConversationReferences } from '../src/storage/conversation-references.js';
import { TableStore } from '../src/storage/table-store.js';
import { benchUsers } from './bench-seed.js';
import { startBotProcess } from './bot-process.js';
import { measureStartup } from './startup.js';
import { startDeliveryProcess } from './delivery-process.js';
import { startEchoBot } from './echo-bot.js';
import { startSandboxProcess, type SandboxProcess } from './sandbox-process.js';
import { measureNlu, reportNlu } from './nlu.js';
import { spendScenario } from './spend.js';
import { billingScenario } from './billing.js';
import { percentile, runLoad, Tally, type LoadFigures } from './stats.js';
import { cpuMsOf, untilIdle } from './child.js';
import { CpuAccount, sumOf } from './cpu-account.js';
import { loadAverage, yardstickMs } from './machine.js';

const CONCURRENCY = 32;
const TURNS = Number(process.env.BENCH_TURNS ?? 2000);
/** Slices each turn scenario is measured in, interleaved with the echo bot's. */
const ROUNDS = 4;
const APPROVERS_CLICKING = 50;
/** Delivery instances the fan-out is measured with, one run each (BENCH_FANOUT_INSTANCES=1,3). */
const FANOUT_INSTANCES = (process.env.BENCH_FANOUT_INSTANCES ?? '1,3').split(',').map(Number);
/** People sending a message at the same moment in the burst scenario. */
const BURST = Number(process.env.BENCH_BURST ?? 200);
/** Lines printed under the table (memory and CPU of the processes measured), also written to bench-results.json. */
const notesUnderTable: string[] = [];
let botRss: { rssMb: number; peakRssMb: number } | undefined;
/** `BENCH_ONLY=turns` runs the turn scenarios alone, `BENCH_ONLY=fanout` the fan-out alone; `npm run bench -- spend` (or BENCH_ONLY=spend) the spend ingest alone. */
const ONLY = process.argv[2] ?? process.env.BENCH_ONLY ?? '';

async function post(url: string, activity: unknown): Promise<number> {
  return (await exchange(url, activity)).status;
}

/** One activity to a bot's /api/messages: its HTTP status and body. */
async function exchange(url: string, activity: unknown): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  return { status: response.status, body: await response.text() };
}

interface Row {
  scenario: string;
  figures: LoadFigures;
  echo?: LoadFigures;
  ratio?: number;
  goal?: string;
  notes?: string;
  /** Scenario-specific figures (the spend ingest's calls, CPU split, store rate). */
  details?: Record<string, number | string | boolean>;
}

/** The machine's speed and load before anything starts; again in report(), after everything stopped. */
let machineAtStart: { ms: number; load: string } | undefined;

async function main(): Promise<void> {
  if (ONLY === 'nlu') return void reportNlu(await measureNlu()); // accuracy and time per phrase: no table, no yardstick
  machineAtStart = { ms: await yardstickMs(), load: loadAverage() };
  if (ONLY === 'spend') return spendOnly();
  if (ONLY === 'billing') return report([await billingScenario()]);
  if (ONLY === 'startup') return report([await startupScenario()]);
  const children = new ChildProcesses(createLogger('silent'));
  const rows: Row[] = [];
  const stops: (() => Promise<unknown>)[] = [() => children.stopAll()];
  try {
    const { connectionString, pids: azuritePids } = await startAzurite(children, {
      tablePort: await freePort(),
      queuePort: await freePort(),
    });
    const storage = { kind: 'connection-string' as const, connectionString };
    const connector = new LoopbackConnector();
    // The turn scenarios read no replies back: keeping thousands would only grow the heap measured.
    connector.record = false;
    await connector.start();
    stops.push(() => connector.stop());
    // The emulators stand in for remote services: a process of their own, as Azurite.
    const users = benchUsers(TURNS + CONCURRENCY);
    const sandbox = await startSandboxProcess({ benchUsers: users.length + 2 * BURST });
    stops.push(() => sandbox.stop());
    const echo = await startEchoBot();
    stops.push(() => echo.stop());

    if (ONLY !== 'fanout') {
      // Quartermaster in a process of its own, as the echo bot is: each one's CPU and memory are its own.
      const botProcess = await startBotProcess({ connectionString, sandbox });
      stops.push(() => botProcess.stop());
      const botUrl = botProcess.ready.url;
      // Activities as Teams sends them, replies to this process's loopback connector.
      const chatsOf = (people: readonly TestUser[]) =>
        people.map(
          (user) =>
            new TestConversation({ connector } as unknown as BotHarness, user, {
              id: `a:personal-${user.id}`,
              conversationType: 'personal',
              tenantId: user.tenantId,
            }),
        );
      const chats = chatsOf(users);
      // Warm-up: every conversation installed once (reference saved), JIT and caches warm. A
      // request form is always submitted in a chat that already talked to the bot (it showed the form).
      await runLoad(
        chats,
        CONCURRENCY,
        async (chat) =>
          (await post(botUrl, chat.activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:quartermaster-test-bot' }] }))) === 200,
      );
      // The echo bot and `help` get the same warm-up (a cold yardstick would flatter the ratios).
      const warmUp = Array.from({ length: Math.min(TURNS, 1000) }, (_, i) => chats[i % CONCURRENCY]!);
      for (const url of [echo.ready.url, botUrl])
        await runLoad(warmUp, CONCURRENCY, async (chat) => (await post(url, chat.activity({ type: 'message', text: 'help' }))) === 200);
      // The installs' conversation references are stored after their turns: not during the measurement.
      await untilIdle(botProcess);

      // Each submission is a new person asking for Power BI Pro (a free seat, under the
      // auto-approve threshold): directory, open-request check, seats, policy, store, audit, queue.
      // What the review card's Confirm sends (the form's Submit only shows the review; this turn stores).
      const form = {
        productOfferId: DEMO_OFFERS.powerBiPro.offerId,
        quantity: '1',
        forWhom: '',
        justification: 'Reports for the team',
        confirmed: true,
      };
      let approved = 0;
      const submitTurn = async (chat: TestConversation) => {
        const activity = chat.activity({
          type: 'invoke',
          name: 'adaptiveCard/action',
          replyToId: 'form',
          value: { action: { type: 'Action.Execute', verb: 'submitRequest', data: form }, trigger: 'manual' },
        });
        const { status, body } = await exchange(botUrl, activity);
        const ok = status === 200 && body.includes('Approved automatically');
        if (ok) approved++;
        return ok;
      };
      const helpTurn = (url: string) => async (chat: TestConversation) =>
        (await post(url, chat.activity({ type: 'message', text: 'help' }))) === 200;

      // Interleaved slices (echo, help, submit; echo, help, submit; …): the yardstick and
      // Quartermaster are measured at the same times, so a shared host's swings (±15% between
      // runs a minute apart) fall on both sides of each ratio.
      const echoTally = new Tally();
      const helpTally = new Tally();
      const submitTally = new Tally();
      // Where each scenario's CPU goes, per turn: the bot (or the echo bot), Azurite, the emulators, this load generator.
      const cpu = new CpuAccount({
        bot: () => botProcess.cpuMs(),
        'echo bot': () => echo.cpuMs(),
        azurite: () => sumOf(azuritePids.map(cpuMsOf)),
        emulators: () => sandbox.cpuMs(),
        'load generator': ownCpuMs,
      });
      const perSlice = Math.ceil(TURNS / ROUNDS);
      const helpJobs = Array.from({ length: perSlice }, (_, i) => chats[i % CONCURRENCY]!);
      for (let round = 0; round < ROUNDS; round++) {
        const submitJobs = chats.slice(round * perSlice, Math.min(TURNS, (round + 1) * perSlice));
        await cpu.measure('echo', helpJobs.length, () => echoTally.run(helpJobs, CONCURRENCY, helpTurn(echo.ready.url)));
        await cpu.measure('help', helpJobs.length, () => helpTally.run(helpJobs, CONCURRENCY, helpTurn(botUrl)));
        await cpu.measure('submit', submitJobs.length, () => submitTally.run(submitJobs, CONCURRENCY, submitTurn));
      }
      const [echoFigures, help, submit] = [echoTally.figures(), helpTally.figures(), submitTally.figures()];
      for (const scenario of ['echo', 'help', 'submit']) notesUnderTable.push(`CPU per ${scenario} turn: ${cpu.perTurn(scenario)}`);
      rows.push({
        scenario: `help, ${CONCURRENCY} conversations`,
        figures: help,
        echo: echoFigures,
        ratio: help.turnsPerSecond / echoFigures.turnsPerSecond,
        goal: '≥ 0.95',
      });
      rows.push({
        scenario: `request submit (confirm), ${CONCURRENCY} conversations`,
        figures: submit,
        echo: echoFigures,
        ratio: submit.turnsPerSecond / echoFigures.turnsPerSecond,
        goal: '≥ 0.60',
        notes: `${approved} requests stored and approved by policy`,
      });

      // A burst: BURST people who have not talked to the bot this run all send a message at
      // the same moment (a channel announcement, say). Measured on each bot the same way, echo first.
      const burstPeople = benchUsers(TURNS + CONCURRENCY + 2 * BURST).slice(TURNS + CONCURRENCY);
      const [echoBurst, botBurst] = [chatsOf(burstPeople.slice(0, BURST)), chatsOf(burstPeople.slice(BURST))];
      await untilIdle(botProcess);
      const echoBurstFigures = await burst(echoBurst, helpTurn(echo.ready.url));
      const burstFigures = await burst(botBurst, helpTurn(botUrl));
      rows.push({
        scenario: `burst: ${BURST} people at once`,
        figures: burstFigures,
        echo: echoBurstFigures,
        ratio: echoBurstFigures.p99Ms / Math.max(1, burstFigures.p99Ms),
        goal: 'all answered, p99 < 1 s (quiet machine)',
        notes: `ratio = echo p99 / bot p99; echo p99 ${echoBurstFigures.p99Ms.toFixed(0)} ms`,
      });
      const memory = botProcess.memory();
      const echoMemory = echo.memory();
      const heap = await botProcess.heap();
      if (memory)
        notesUnderTable.push(
          `Quartermaster's bot process after the turn scenarios: ${memory.rssMb.toFixed(0)} MB resident (peak ${memory.peakRssMb.toFixed(0)} MB; goal < 768 MB)` +
            (heap
              ? `; after a full collection the V8 heap keeps ${heap.heapUsed} MB (of ${heap.heapTotal} MB reserved; goal < 200 MB), external ${heap.external} MB`
              : '') +
            (echoMemory ? `; echo bot ${echoMemory.rssMb.toFixed(0)} MB (peak ${echoMemory.peakRssMb.toFixed(0)} MB)` : ''),
        );
      botRss = memory;

      rows.push(await approvalContention(storage, sandbox, connector));
    }
    if (ONLY !== 'turns') for (const instances of FANOUT_INSTANCES) rows.push(await fanOut(connectionString, azuritePids, instances));
    if (ONLY === '') rows.push(await spendScenario(storage), await billingScenario());
    if (ONLY === '' || ONLY === 'turns') rows.push(await startupScenario());
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error('bench clean-up failed', error));
  }
  await report(rows);
}

/** `npm start` to ready, twice (the first fills tsx's compile cache): the second run is the figure. */
async function startupScenario(): Promise<Row> {
  const { runs } = await measureStartup(2);
  const last = runs[runs.length - 1]!;
  return {
    scenario: 'npm start to ready (Azurite, emulators, 3 Playgrounds)',
    figures: { turns: runs.length, seconds: last, turnsPerSecond: 0, p50Ms: last * 1000, p99Ms: Math.max(...runs) * 1000, errors: 0 },
    goal: '< 10 s (quiet machine)',
    notes: `runs: ${runs.map((s) => `${s.toFixed(1)} s`).join(', ')} (the first fills the compile cache)`,
  };
}

/** Every conversation sends one turn at the same moment; latency of each from that moment. */
async function burst(chats: readonly TestConversation[], turn: (chat: TestConversation) => Promise<boolean>): Promise<LoadFigures> {
  const started = performance.now();
  const results = await Promise.all(
    chats.map(async (chat) => {
      const ok = await turn(chat).catch(() => false);
      return { ok, ms: performance.now() - started };
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    turns: results.length,
    seconds,
    turnsPerSecond: results.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors: results.filter((r) => !r.ok).length,
  };
}

/** The spend ingest alone (its own Azurite), so that the peak RSS printed is its own. */
async function spendOnly(): Promise<void> {
  const children = new ChildProcesses(createLogger('silent'));
  const rows: Row[] = [];
  try {
    const { connectionString } = await startAzurite(children, { tablePort: await freePort(), queuePort: await freePort() });
    rows.push(await spendScenario({ kind: 'connection-string', connectionString }));
  } finally {
    await children.stopAll();
  }
  await report(rows);
}

/** 50 approvers' clients send Approve for the same request at once: one decision, one purchase. */
async function approvalContention(
  storage: { kind: 'connection-string'; connectionString: string },
  sandbox: SandboxProcess,
  connector: LoopbackConnector,
): Promise<Row> {
  // Its own instance, with the fulfilment worker on, so the purchase happens too.
  const bot = await BotHarness.start(
    {
      storage,
      logLevel: 'silent',
      policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '10000', approverGroupId: DEMO_GROUPS.licenseApprovers },
    },
    { remoteSandbox: sandbox, connector },
  );
  try {
    // Seats as Partner Center reports them (the sandbox's state is in its own process).
    const { commerce } = createConnectors({ mode: 'sandbox', sandbox }, createLogger('silent'));
    const visioSeats = async () => (await commerce.getSubscription(DEMO_TENANT_ID, DEMO_SUBSCRIPTIONS.visioPlan2)).quantity;
    const requester: TestUser = {
      id: '29:bench-isaiah',
      name: DEMO_USERS.isaiah.displayName,
      aadObjectId: DEMO_USERS.isaiah.id,
      tenantId: DEMO_TENANT_ID,
    };
    const adele: TestUser = {
      id: '29:bench-adele',
      name: DEMO_USERS.adele.displayName,
      aadObjectId: DEMO_USERS.adele.id,
      tenantId: DEMO_TENANT_ID,
    };
    await bot.personalChat(adele).install();
    const seatsBefore = await visioSeats();
    const submitted = await bot.personalChat(requester).click('submitRequest', {
      productOfferId: DEMO_OFFERS.visioPlan2.offerId,
      quantity: '1',
      forWhom: '',
      justification: 'Diagrams',
      confirmed: true,
    });
    const requestId = /REQ-[0-9A-F]{8,16}/.exec(JSON.stringify(submitted.body))?.[0];
    if (!requestId)
      throw new Error(
        `bench: the Visio request was not submitted: ${JSON.stringify(submitted.body).match(/"errorMessage":"[^"]*"|Visio[^"]{0,80}/g)}`,
      );
    const latencies: number[] = [];
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: APPROVERS_CLICKING }, async () => {
        const t0 = performance.now();
        const result = await bot.personalChat(adele).click('approveRequest', { requestId, stageIndex: 0 });
        latencies.push(performance.now() - t0);
        return result.status;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 30_000;
    let request = (await bot.qm.requests.get(DEMO_TENANT_ID, requestId))?.value;
    while (request?.status !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      request = (await bot.qm.requests.get(DEMO_TENANT_ID, requestId))?.value;
    }
    latencies.sort((a, b) => a - b);
    const decisions = request?.decisions.length ?? 0;
    const seatsBought = (await visioSeats()) - seatsBefore;
    return {
      scenario: `${APPROVERS_CLICKING} concurrent Approve clicks`,
      figures: {
        turns: APPROVERS_CLICKING,
        seconds,
        turnsPerSecond: APPROVERS_CLICKING / seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        errors: statuses.filter((s) => s !== 200).length,
      },
      goal: '1 decision, 1 seat bought',
      notes: `${decisions} decision${decisions === 1 ? '' : 's'}, ${seatsBought} seat${seatsBought === 1 ? '' : 's'} bought, request ${request?.status ?? 'missing'}`,
    };
  } finally {
    await bot.stop();
  }
}

/**
 * 10,000 alerts to 10,000 conversations in 10 tenants through the outbox, against a loopback
 * Bot Connector that enforces Teams' limits and answers 429 beyond them. Allowed: 50 per
 * second per tenant, so 500 per second in all. The delivery instances run in processes of
 * their own (`instances` of them, sharing the queue, the ledger and the limits).
 */
async function fanOut(connectionString: string, azuritePids: readonly number[], instances: number): Promise<Row> {
  const MESSAGES = Number(process.env.BENCH_FANOUT ?? 10_000);
  const TENANTS = 10;
  const storage = { kind: 'connection-string' as const, connectionString };
  const connector = new LoopbackConnector();
  await connector.start();
  connector.enforceTeamsLimits = true;
  const prefix = `fan${instances}${Date.now().toString(36)}`;
  const store = new TableStore(storage, prefix);
  await store.ensureTables();
  const conversations = new ConversationReferences(store);
  // The bench's own handle on the queue, to put the fan-out on it (it sends nothing itself).
  const enqueuer = createDelivery({
    store,
    storage,
    tablePrefix: prefix,
    adapter: createAdapter({ appType: 'SingleTenant' }),
    botAppId: '',
    conversations,
    instanceName: 'bench-enqueuer',
    log: createLogger('silent'),
  });
  const workers: Awaited<ReturnType<typeof startDeliveryProcess>>[] = [];
  try {
    const tenantOf = (i: number) => `be0c7e00-0000-4000-8000-${String(i % TENANTS).padStart(12, '0')}`;
    const jobs = Array.from({ length: MESSAGES }, (_, i) => ({ tenantId: tenantOf(i), conversationId: `a:fan-${i}` }));
    await runLoad(jobs, 64, async ({ tenantId, conversationId }) => {
      await conversations.save(tenantId, {
        channelId: 'msteams',
        serviceUrl: connector.url,
        conversation: { id: conversationId, conversationType: 'personal', tenantId, isGroup: false, name: '' },
        bot: { id: '28:bot', name: 'Quartermaster' },
        user: { id: `29:${conversationId}`, name: 'Someone' },
      });
      return true;
    });
    const loops = Number(process.env.BENCH_LOOPS ?? 4);
    workers.push(
      ...(await Promise.all(
        Array.from({ length: instances }, (_, i) =>
          startDeliveryProcess({ connectionString, tablePrefix: prefix, instanceName: `bench-${i + 1}`, instances, loops }),
        ),
      )),
    );
    /** One text to each conversation, through the outbox's fan-out (`enqueueMany`). */
    const fanOutTo = (to: typeof jobs, keyPrefix: string, text: string) =>
      enqueuer.engine.enqueueMany(
        to.map(({ tenantId, conversationId }) => ({
          kind: 'text' as const,
          key: `${keyPrefix}:${conversationId}`,
          tenantId,
          conversationId,
          text,
        })),
      );
    // Warm-up, as for the turn scenarios: a first fan-out of BENCH_FANOUT_WARM messages (default
    // 1,000) to the same conversations, so that what is measured is delivery at work, not the
    // instances' first seconds (code compiled on first use, connections opened); then a pause
    // longer than Teams' windows.
    const warm = jobs.slice(0, Number(process.env.BENCH_FANOUT_WARM ?? 1000));
    if (warm.length > 0) {
      await fanOutTo(warm, 'warm-up', 'Warm-up.');
      const warmDeadline = Date.now() + 120_000;
      while (connector.sent.length < warm.length && Date.now() < warmDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      connector.sent.length = 0;
    }
    const throttledBefore = connector.throttled;
    // Where the fan-out's CPU goes, per message: each delivery instance, Azurite, this process (the enqueuer and Teams' side).
    const cpu = new CpuAccount({
      ...Object.fromEntries(workers.map((worker, i) => [`instance ${i + 1}`, () => worker.cpuMs()])),
      azurite: () => sumOf(azuritePids.map(cpuMsOf)),
      'bench (enqueuer, Teams)': ownCpuMs,
    });
    // An alert to everyone is one fan-out: batches of up to 100 per tenant on the queue, which
    // the instances (already polling) take as they come.
    const started = performance.now();
    await cpu.measure('fan-out', MESSAGES, async () => {
      await fanOutTo(jobs, 'budget-alert', 'Budget "Azure production" passed 80 % of 10,000.00 USD this month.');
      // The bench stops waiting after BENCH_FANOUT_WAIT_S (default 180 s) and reports what had not arrived.
      const deadline = Date.now() + Number(process.env.BENCH_FANOUT_WAIT_S ?? 180) * 1000;
      while (connector.sent.length < MESSAGES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const seconds = (performance.now() - started) / 1000;
    notesUnderTable.push(`CPU per fan-out message, ${instances} instance${instances === 1 ? '' : 's'}: ${cpu.perTurn('fan-out')}`);
    // BENCH_FANOUT_TRACE=1: each tenant's first and last send, in seconds from the start of the fan-out (where the time goes).
    if (process.env.BENCH_FANOUT_TRACE) {
      const startedAt = Date.now() - seconds * 1000;
      const byTenant = new Map<string, number[]>();
      const perSecond: number[] = [];
      for (const s of connector.sent) {
        const tenant = String(s.activity.conversation?.tenantId ?? s.activity.channelData?.tenant?.id ?? '?').slice(-2);
        const at = (s.at - startedAt) / 1000;
        byTenant.set(tenant, byTenant.get(tenant) ?? []);
        byTenant.get(tenant)!.push(at);
        perSecond[Math.floor(at)] = (perSecond[Math.floor(at)] ?? 0) + 1;
      }
      for (const [tenant, times] of [...byTenant].sort()) {
        // Each window of the tenant's limit: how long its 50 sends took from the first of them to
        // the first of the next 50 (1 s plus a send's latency when the line never ran dry).
        times.sort((a, b) => a - b);
        const periods: number[] = [];
        for (let i = 50; i < times.length; i += 50) periods.push(times[i]! - times[i - 50]!);
        // The first windows apart: a fan-out's start (everything being queued and taken at once) shows there.
        const firstThree = periods.slice(0, 3).map((p) => p.toFixed(2));
        const mean = periods.reduce((total, period) => total + period, 0) / Math.max(1, periods.length);
        periods.sort((a, b) => a - b);
        const median = periods[Math.floor(periods.length / 2)] ?? 0;
        console.log(
          `tenant …${tenant}: ${times.length} sent, first ${times[0]!.toFixed(2)} s, last ${times.at(-1)!.toFixed(2)} s; ` +
            `50 sends every ${median.toFixed(3)} s (median), mean ${mean.toFixed(3)} s, longest ${(periods.at(-1) ?? 0).toFixed(3)} s; ` +
            `first three ${firstThree.join(', ')} s`,
        );
      }
      console.log(`sent per second: ${Array.from(perSecond, (n) => n ?? 0).join(' ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)); // duplicates would arrive now
    const perConversation = new Map<string, number>();
    for (const s of connector.sent) perConversation.set(s.conversationId, (perConversation.get(s.conversationId) ?? 0) + 1);
    const duplicates = [...perConversation.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const lost = jobs.filter((j) => !perConversation.has(j.conversationId)).length;
    const rate = perConversation.size / seconds;
    const allowed = TENANTS * 50;
    const memory = workers
      .map((w) => w.memory())
      .filter((m) => m !== undefined)
      .map((m) => m.peakRssMb.toFixed(0));
    return {
      scenario: `fan-out: ${MESSAGES} messages, ${TENANTS} tenants, ${instances} instance${instances === 1 ? '' : 's'}`,
      figures: { turns: perConversation.size, seconds, turnsPerSecond: rate, p50Ms: 0, p99Ms: 0, errors: lost },
      ratio: rate / allowed,
      goal: 'rate ≥ 0.95 of 500/s, 0 duplicates, all delivered',
      notes: `${fixedNumber(rate / allowed)} of allowed after a warm-up of ${warm.length}; 429s ${connector.throttled - throttledBefore}, duplicates ${duplicates}, still queued when the bench stopped waiting ${lost}; peak RSS per instance ${memory.join(', ')} MB`,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await connector.stop();
  }
}

/** This process's CPU time so far, in ms. */
function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const fixedNumber = (n: number) => n.toFixed(2);

async function report(rows: Row[]): Promise<void> {
  const fixed = (n: number, digits = 1) => n.toFixed(digits);
  const table = rows.map((row) => ({
    scenario: row.scenario,
    turns: row.figures.turns,
    'turns/s': fixed(row.figures.turnsPerSecond),
    'p50 ms': fixed(row.figures.p50Ms),
    'p99 ms': fixed(row.figures.p99Ms),
    errors: row.figures.errors,
    'echo turns/s': row.echo ? fixed(row.echo.turnsPerSecond) : '',
    'ratio to echo': row.ratio !== undefined ? fixed(row.ratio, 2) : '',
    goal: row.goal ?? '',
    notes: row.notes ?? '',
  }));
  console.table(table);
  if (machineAtStart)
    notesUnderTable.push(
      `Machine: the fixed CPU work of bench/machine.ts took ${machineAtStart.ms.toFixed(0)} ms at the start and ${(await yardstickMs()).toFixed(0)} ms at the end ` +
        `(best of eight; runs compare by it); load average ${machineAtStart.load} at the start, ${loadAverage()} at the end`,
    );
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  for (const line of notesUnderTable) console.log(line);
  console.log(`Peak RSS of the bench process (load generator, loopback connector, the approval scenario's bot): ${fixed(peakRssMb, 0)} MB`);
  const file = join(projectRoot, 'bench-results.json');
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, concurrency: CONCURRENCY, turns: TURNS, peakRssMb: Math.round(peakRssMb), botRss, notes: notesUnderTable, rows }, null, 2)}\n`,
  );
  console.log('Written to bench-results.json');
}

exitOnInterrupt();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
