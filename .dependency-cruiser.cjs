// The layers (README, Architecture), checked on every `npm test` (npm run layers). Imports point
// downward only: bot → services → domain; services reach the outside world through
// connectors and storage; nothing below knows Teams. A rule's comment is what the failure says.
const TEAMS_SDK = '^node_modules/(botbuilder[^/]*|@microsoft/teams-ai|botframework-[^/]+)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'src/domain holds rules only: no I/O, no SDK, no other layer (pure functions over values are fine: zod for shapes, csv-parse/sync for the price sheet text).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^src/clock\\.ts$', '^node_modules/zod/', '^(node_modules/)?csv-parse/'] },
    },
    {
      name: 'bot-talks-to-services',
      comment: 'The Teams surface calls services; it never reaches storage, connectors, proactive delivery (notify), jobs or the sandbox.',
      severity: 'error',
      from: { path: '^src/bot/' },
      to: { path: ['^src/storage/', '^src/connectors/', '^src/notify/', '^src/jobs/', '^src/sandbox/'] },
    },
    {
      name: 'storage-knows-no-use-cases',
      comment: 'Repositories know tables, keys and ETags; they never import services, the bot, notify, jobs or connectors.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: ['^src/services/', '^src/bot/', '^src/notify/', '^src/jobs/', '^src/connectors/', '^src/sandbox/'] },
    },
    {
      name: 'connectors-are-adapters',
      comment: 'Connectors adapt one outside service each; they never import services, storage, the bot, notify or jobs.',
      severity: 'error',
      from: { path: '^src/connectors/' },
      to: { path: ['^src/services/', '^src/storage/', '^src/bot/', '^src/notify/', '^src/jobs/', '^src/sandbox/'] },
    },
    {
      name: 'services-know-no-teams',
      comment: 'Use cases never import the Teams surface, proactive delivery, jobs, the sandbox or a Teams SDK.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: ['^src/bot/', '^src/notify/', '^src/jobs/', '^src/sandbox/', TEAMS_SDK] },
    },
    {
      name: 'notify-uses-bot-views-only',
      comment:
        "Proactive delivery renders with the bot's views and card renderer (named *-views.ts, cards.ts, replies.ts), nothing else of the bot.",
      severity: 'error',
      from: { path: '^src/notify/' },
      to: { path: '^src/bot/', pathNot: '^src/bot/([a-z-]+-views|cards|replies)\\.ts$' },
    },
    {
      name: 'teams-sdk-in-teams-code-only',
      comment:
        'botbuilder and teams-ai stay in src/bot and src/notify (and the composition root), so moving to the Teams SDK is a swap of those folders.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/bot/', '^src/notify/', '^src/index\\.ts$'] },
      to: { path: TEAMS_SDK },
    },
    {
      name: 'sandbox-from-composition-root-only',
      comment:
        'The emulators are started by the composition root (src/index.ts and src/composition, local mode) and by tests; product code never imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/sandbox/', '^src/composition/', '^src/index\\.ts$'] },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'composition-is-the-root',
      comment:
        'src/composition wires the features together for src/index.ts; nothing else builds on it (depend on the services it wires instead).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/composition/', '^src/index\\.ts$'] },
      to: { path: '^src/composition/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
