// What can be requested and at what price: the approval policies, the catalog of products
// from the commerce APIs priced from Partner Center's price sheet (cached), else the
// configured price list (the sandbox: the emulator's own sheet), and the admins' catalog view.
import { readFileSync } from 'node:fs';
import type { Connectors } from '../connectors/index.js';
import { defaultPolicies } from '../domain/policy.js';
import { CatalogAdminService } from '../services/catalog-admin.js';
import { CatalogService } from '../services/catalog.js';
import { PartnerCenterPriceSources } from '../services/price-sources.js';
import { PolicyRepository } from '../storage/policies.js';
import { LicenseSettingsService } from '../services/license-settings.js';
import { LicenseSettingsRepository } from '../storage/license-settings.js';
import { PriceSheetCache } from '../storage/price-sheets.js';
import type { Platform, ResolvedConfig } from './platform.js';

export type Catalog = ReturnType<typeof wireCatalog>;

export function wireCatalog(p: Platform) {
  const { config, connectors, store } = p;
  const policies = new PolicyRepository(store, () =>
    defaultPolicies(config.policy.currency, {
      approverGroupId: config.policy.approverGroupId ?? '',
      autoApproveBelow: config.policy.autoApproveBelow,
      secondStageAbove: config.policy.secondStageAbove,
    }),
  );
  const fallback = priceList(config, connectors);
  const catalog = new CatalogService(
    connectors.commerce,
    connectors.directory,
    new PartnerCenterPriceSources({
      ...(connectors.partnerCenterPrices && {
        fetchPriceSheet: (tenantId, market) => connectors.partnerCenterPrices!.fetchPriceSheet(tenantId, market),
      }),
      cache: new PriceSheetCache(store),
      settings: p.settings,
      ...(fallback && { fallback }),
      market: config.prices?.market ?? 'US',
      clock: p.clock,
      log: p.log.child({ component: 'prices' }),
    }),
  );
  // Admins' view of the catalog: what can be ordered, where prices come from, license mappings.
  const catalogAdmin = new CatalogAdminService({
    clock: p.clock,
    catalog,
    directory: connectors.directory,
    settings: p.settings,
    roles: p.roles,
    audit: p.audit,
  });
  // Beside the policies: per tenant, approval, auto-purchase and auto-decrease at renewal.
  const licenseSettings = new LicenseSettingsService({
    repository: new LicenseSettingsRepository(store),
    roles: p.roles,
    audit: p.audit,
    clock: p.clock,
  });
  return { policies, catalog, catalogAdmin, licenseSettings };
}

/**
 * The fallback price list: the configured file (read at start-up, so a wrong path stops the bot
 * with one line), else in sandbox mode the emulator's own price sheet.
 */
function priceList(config: ResolvedConfig, connectors: Connectors): { csv: string; name: string } | undefined {
  const file = config.prices?.priceListFile;
  if (file) {
    try {
      return { csv: readFileSync(file, 'utf8'), name: file };
    } catch (error) {
      throw new Error(
        `Quartermaster cannot start. PRICE_LIST_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  return connectors.sandboxPriceList ? { csv: connectors.sandboxPriceList, name: 'the sandbox price sheet' } : undefined;
}
