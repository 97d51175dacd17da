// The Teams surface: the bot's handlers over the features' services. Built last but for
// the server, because it reaches every feature.
import { createBot } from '../bot/app.js';
import { AdminConsole } from '../services/admin-console.js';
import { ConversationService } from '../services/conversations.js';
import { OrderHistory } from '../services/order-history.js';
import { PartnerCustomerFacts } from '../services/partner-customer-facts.js';
import { PartnerProfileService } from '../services/partner-profile.js';
import type { Billing } from './billing.js';
import type { Catalog } from './catalog.js';
import type { Connections } from './connections.js';
import type { Language } from './language.js';
import type { LicenseAlerts } from './license-alerts.js';
import type { Licensing } from './licensing.js';
import type { Platform } from './platform.js';
import type { Resellers } from './resellers.js';
import type { Spend } from './spend.js';

export function wireBot(
  p: Platform,
  f: {
    catalog: Catalog;
    connections: Connections;
    resellers: Resellers;
    licensing: Licensing;
    licenseAlerts: LicenseAlerts;
    spend: Spend;
    language: Language;
    billing: Billing | undefined;
  },
) {
  const { config, roles, audit, settings, clock, log } = p;
  const { catalog, policies, catalogAdmin, licenseSettings } = f.catalog;
  const { requestService, approvals, subscriptions, vendor, units } = f.licensing;
  return createBot({
    adapter: p.teams.adapter,
    auth: config.bot,
    cards: p.teams.cards,
    roles,
    conversations: new ConversationService({ conversations: p.conversations, audit }),
    console: new AdminConsole({ roles, policies, catalog, audit, settings, health: p.health, directory: p.connectors.directory, clock }),
    log,
    licensing: { requests: requestService, approvals, catalog },
    reclaim: { reclaim: f.licenseAlerts.reclaim },
    subscriptions,
    connections: f.connections.connections,
    catalogAdmin,
    partners: f.connections.partners,
    resellers: f.resellers.resellers,
    partnerFacts: new PartnerCustomerFacts({
      commerce: p.connectors.commerce,
      catalog,
      requests: f.licensing.requests,
      alerts: p.alertLedger,
      clock,
      log,
    }),
    partnerProfile: new PartnerProfileService({
      repository: f.connections.partnerProfiles,
      settings,
      roles,
      partners: config.partnerTenants ?? [],
      audit,
      clock,
    }),
    licenseSettings,
    orders: new OrderHistory({ roles, commerce: p.connectors.commerce, catalog, requests: f.licensing.requests }),
    units,
    spend: { budgets: f.spend.budgets, report: f.spend.report, syncNow: f.spend.syncNow },
    ...(vendor && { vendor }),
    language: f.language.forBot,
    ...(f.billing && { billing: f.billing.forBot }),
  });
}
