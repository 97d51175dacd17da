// The Teams surface: the bot's handlers over the features' services. Built last but for
// the server, because it reaches every feature.
import { createBot } from '../bot/app.js';
import type { Catalog } from './catalog.js';
import type { Connections } from './connections.js';
import type { Language } from './language.js';
import type { LicenseAlerts } from './license-alerts.js';
import type { Licensing } from './licensing.js';
import type { Platform } from './platform.js';
import type { Spend } from './spend.js';

export function wireBot(
  p: Platform,
  f: { catalog: Catalog; connections: Connections; licensing: Licensing; licenseAlerts: LicenseAlerts; spend: Spend; language: Language },
) {
  const { config, roles, audit, settings, clock, log } = p;
  const { catalog, policies, catalogAdmin } = f.catalog;
  const { requestService, approvals, notifier, subscriptions, vendor } = f.licensing;
  return createBot({
    adapter: p.teams.adapter,
    auth: config.bot,
    cards: p.teams.cards,
    roles,
    health: p.health,
    audit,
    conversations: p.conversations,
    log,
    licensing: { requests: requestService, approvals, catalog, roles, policies, settings, audit, notifier, clock },
    reclaim: { reclaim: f.licenseAlerts.reclaim, roles },
    subscriptions,
    connections: f.connections.connections,
    catalogAdmin,
    spend: { budgets: f.spend.budgets, report: f.spend.report, syncNow: f.spend.syncNow },
    ...(vendor && { vendor }),
    language: f.language.forBot,
  });
}
