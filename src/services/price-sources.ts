// Where Partner Center items get their price and license (CatalogSources): the partner's price
// sheet, downloaded once a day per tenant and market through a signed-in agent and cached in
// storage; else the configured price list (PRICE_LIST_FILE, same CSV columns); and the admin's
// SKU overrides (tenant settings) beside Microsoft's licensing reference.
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import { ConnectorError, type CatalogItem } from '../connectors/ports.js';
import { monthlyPriceOf, parsePriceSheet, rowsInEffect, type PriceSheetRow } from '../domain/catalog/price-sheet.js';
import type { SkuOverride } from '../domain/catalog/sku-map.js';
import { dayOf } from '../domain/spend/periods.js';
import type { PriceSheetCache } from '../storage/price-sheets.js';
import type { SettingsRepository } from '../storage/settings.js';
import type { CatalogSources, ItemPrices } from './catalog.js';

export interface PriceSourceDeps {
  /** Partner Center's price sheet download (agent sign-in), absent when Partner Center is not configured. */
  fetchPriceSheet?: (tenantId: string, market: string) => Promise<string>;
  cache: PriceSheetCache;
  settings: SettingsRepository;
  /** The configured fallback price list (its CSV text and where it came from). */
  fallback?: { csv: string; name: string };
  /** Price sheet market (ISO country code, e.g. "US"). */
  market: string;
  clock: Clock;
  log: Logger;
}

/** After a failed download, wait this long before trying again (the catalog reloads every few minutes). */
const RETRY_AFTER_FAILURE_MS = 60 * 60_000;

export class PartnerCenterPriceSources implements CatalogSources {
  private readonly fallbackRows: PriceSheetRow[] | undefined;
  private readonly failures = new Map<string, { until: number; problem: string }>();

  constructor(private readonly deps: PriceSourceDeps) {
    // A broken fallback file is a configuration error: said at start-up, not at the first request.
    this.fallbackRows = deps.fallback ? parsePriceSheet(deps.fallback.csv) : undefined;
  }

  async skuOverrides(tenantId: string): Promise<SkuOverride[]> {
    return (await this.deps.settings.get(tenantId)).skuOverrides ?? [];
  }

  async prices(tenantId: string): Promise<ItemPrices> {
    const { market } = this.deps;
    const day = dayOf(this.deps.clock().getTime());
    const sheet = await this.priceSheet(tenantId, market, day);
    if ('rows' in sheet && sheet.rows.length > 0) {
      const rows = sheet.rows;
      return { priceOf: (item: CatalogItem) => monthlyPriceOf(rows, item), source: 'price-sheet', asOf: day };
    }
    const problem = 'problem' in sheet ? sheet.problem : `The ${market} price sheet has no license-based prices in effect today.`;
    if (this.fallbackRows) {
      const rows = rowsInEffect(this.fallbackRows, market, day);
      return { priceOf: (item: CatalogItem) => monthlyPriceOf(rows, item), source: 'price-list', problem };
    }
    return { priceOf: () => undefined, source: 'none', problem: `${problem} No fallback price list is configured (PRICE_LIST_FILE).` };
  }

  private async priceSheet(tenantId: string, market: string, day: string): Promise<{ rows: PriceSheetRow[] } | { problem: string }> {
    const cached = await this.deps.cache.get(tenantId, market, day);
    if (cached) return { rows: cached };
    if (!this.deps.fetchPriceSheet) return { problem: 'Partner Center is not configured, so there is no price sheet.' };
    const key = `${tenantId}|${market}`;
    const failed = this.failures.get(key);
    if (failed && failed.until > Date.now()) return { problem: failed.problem };
    try {
      const rows = rowsInEffect(parsePriceSheet(await this.deps.fetchPriceSheet(tenantId, market)), market, day);
      await this.deps.cache.put(tenantId, market, day, rows, this.deps.clock());
      this.failures.delete(key);
      return { rows };
    } catch (error) {
      const problem = priceSheetProblem(error);
      this.deps.log.warn({ tenantId, market, err: error }, 'price sheet not available; using the fallback price list if configured');
      this.failures.set(key, { until: Date.now() + RETRY_AFTER_FAILURE_MS, problem });
      return { problem };
    }
  }
}

function priceSheetProblem(error: unknown): string {
  if (error instanceof ConnectorError) {
    if (error.details.code === 'agent-required' || error.kind === 'unauthorized')
      return 'The Partner Center price sheet needs an agent (Admin or Sales agent) signed in: connect → Sign in to Partner Center.';
    if (error.transient) return 'Partner Center did not deliver the price sheet just now; it is tried again within the hour.';
    return `Partner Center refused the price sheet: ${error.vendorWords}`;
  }
  return `The price sheet could not be read: ${error instanceof Error ? error.message : String(error)}`;
}
