// The admin's view of the catalog (`catalog`): what can be requested, where prices come from,
// which Partner Center items cannot be ordered and why, and the admin's own SKU mappings
// (Partner Center product SKU → Graph license) for items Microsoft's reference does not name.
import type { Clock } from '../clock.js';
import { ConnectorError, type CatalogItem, type DirectoryPort, type SubscribedSku } from '../connectors/ports.js';
import { parseSkuPartNumber, type SkuOverride } from '../domain/catalog/sku-map.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { SettingsRepository } from '../storage/settings.js';
import type { CatalogService, ItemPrices, UnorderableItem } from './catalog.js';
import type { Actor } from '../domain/roles.js';
import type { RoleService } from './roles.js';

export interface CatalogAdminDeps {
  clock: Clock;
  catalog: CatalogService;
  directory: Pick<DirectoryPort, 'listSubscribedSkus'>;
  settings: SettingsRepository;
  roles: RoleService;
  audit: AuditLog;
}

export interface CatalogOverview {
  orderable: number;
  prices: Omit<ItemPrices, 'priceOf'>;
  unorderable: UnorderableItem[];
  overrides: (SkuOverride & { name: string })[];
  /** Graph licenses the tenant holds (skuPartNumber), offered as choices when mapping. */
  licenses: string[];
}

export type CatalogAdminResult =
  | { kind: 'done'; overview: CatalogOverview; message: string }
  | { kind: 'invalid'; overview: CatalogOverview; message: string }
  | { kind: 'forbidden'; message: string };

const FORBIDDEN = { kind: 'forbidden', message: 'Only admins can see and change the catalog.' } as const;
const MAX_OVERRIDES = 200;

export class CatalogAdminService {
  constructor(private readonly deps: CatalogAdminDeps) {}

  async overview(actor: Actor): Promise<CatalogOverview | { kind: 'forbidden' | 'unavailable'; message: string }> {
    if (!(await this.deps.roles.isAdmin(actor))) return FORBIDDEN;
    try {
      return await this.read(actor.tenantId);
    } catch (error) {
      return { kind: 'unavailable', message: catalogTrouble(error) };
    }
  }

  /** Maps a Partner Center item (`productId:skuId`) to a Graph license; the catalog is read again. */
  async mapItem(actor: Actor, productSku: string, skuPartNumberText: string): Promise<CatalogAdminResult> {
    if (!(await this.deps.roles.isAdmin(actor))) return FORBIDDEN;
    const overview = await this.read(actor.tenantId);
    const key = productSku.toUpperCase();
    const name =
      overview.unorderable.find((u) => productSkuOf(u.item) === key)?.item.name ??
      overview.overrides.find((o) => o.productSku.toUpperCase() === key)?.name;
    if (!name) return { kind: 'invalid', overview, message: 'That item is not in the catalog any more. Nothing was changed.' };
    const skuPartNumber = parseSkuPartNumber(skuPartNumberText);
    if (!skuPartNumber) {
      return {
        kind: 'invalid',
        overview,
        message: 'Choose the license, or type its SKU part number (letters, digits and underscores, e.g. SPE_E3). Nothing was changed.',
      };
    }
    const mappingOf = (overrides: readonly SkuOverride[] | undefined) =>
      overrides?.find((o) => o.productSku.toUpperCase() === key)?.skuPartNumber ?? null;
    const { before } = await this.deps.settings.update(actor.tenantId, (current) => ({
      ...current,
      skuOverrides: [
        ...(current.skuOverrides ?? []).filter((o) => o.productSku.toUpperCase() !== key),
        { productSku: key, skuPartNumber },
      ].slice(-MAX_OVERRIDES),
      updatedBy: actor.aadObjectId,
      updatedAt: this.deps.clock().toISOString(),
    }));
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'catalog.sku-map',
      target: `${name} (${key})`,
      before: { skuPartNumber: mappingOf(before.skuOverrides) },
      after: { skuPartNumber },
    });
    this.deps.catalog.forget(actor.tenantId);
    // The tenant's licenses did not change: no second Graph read for the card.
    return { kind: 'done', overview: await this.read(actor.tenantId, overview.licenses), message: `${name} now grants ${skuPartNumber}.` };
  }

  /** Removes the admin's mapping of an item: Microsoft's reference (or nothing) decides again. */
  async unmapItem(actor: Actor, productSku: string): Promise<CatalogAdminResult> {
    if (!(await this.deps.roles.isAdmin(actor))) return FORBIDDEN;
    const key = productSku.toUpperCase();
    const current = (await this.deps.settings.get(actor.tenantId)).skuOverrides ?? [];
    if (!current.some((o) => o.productSku.toUpperCase() === key)) {
      return {
        kind: 'invalid',
        overview: await this.read(actor.tenantId),
        message: 'That mapping was already removed. Nothing was changed.',
      };
    }
    const { before } = await this.deps.settings.update(actor.tenantId, (settings) => ({
      ...settings,
      skuOverrides: (settings.skuOverrides ?? []).filter((o) => o.productSku.toUpperCase() !== key),
      updatedBy: actor.aadObjectId,
      updatedAt: this.deps.clock().toISOString(),
    }));
    const removed = before.skuOverrides?.find((o) => o.productSku.toUpperCase() === key);
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'catalog.sku-unmap',
      target: key,
      before: { skuPartNumber: removed?.skuPartNumber ?? null },
      after: { skuPartNumber: null },
    });
    this.deps.catalog.forget(actor.tenantId);
    return { kind: 'done', overview: await this.read(actor.tenantId), message: `The mapping of ${key} was removed.` };
  }

  /** `licenses`: the tenant's licenses when already read this turn (they are only the form's choices). */
  private async read(tenantId: string, licenses?: string[]): Promise<CatalogOverview> {
    const [state, settings, held] = await Promise.all([
      this.deps.catalog.state(tenantId),
      this.deps.settings.get(tenantId),
      // Only choices for the mapping form: a directory that cannot be read leaves typing.
      licenses ?? this.deps.directory.listSubscribedSkus(tenantId).then(licenseChoices, () => []),
    ]);
    const names = new Map<string, string>();
    for (const item of [...state.offers, ...state.unorderable.map((u) => u.item)]) names.set(productSkuOf(item), item.name);
    const overrides = (settings.skuOverrides ?? []).map((o) => ({ ...o, name: names.get(o.productSku.toUpperCase()) ?? o.productSku }));
    return { orderable: state.offers.length, prices: state.prices, unorderable: state.unorderable, overrides, licenses: held };
  }
}

/** The tenant's current licenses, by part number, for the mapping form's choices. */
function licenseChoices(skus: readonly SubscribedSku[]): string[] {
  return [...new Set(skus.filter((s) => s.capabilityStatus !== 'Deleted').map((s) => s.skuPartNumber))].sort();
}

/** `productId:skuId`, the key an admin's mapping is stored under. */
export function productSkuOf(item: Pick<CatalogItem, 'productId' | 'skuId'>): string {
  return `${item.productId}:${item.skuId}`.toUpperCase();
}

/** A Partner Center failure listing the catalog, as one line saying what to do; anything else is a bug. */
function catalogTrouble(error: unknown): string {
  if (!(error instanceof ConnectorError)) throw error;
  if (error.kind === 'unauthorized')
    return 'Partner Center refused to list the catalog: type **connect** and check the Partner Center connection.';
  if (error.transient) return 'Partner Center is not answering right now. Try again in a few minutes.';
  return `Partner Center refused to list the catalog (${error.message}).`;
}
