// Which Microsoft 365 license (Graph skuPartNumber / skuId) a Partner Center product SKU
// grants. Partner Center's catalog does not say (its SKU `dynamicAttributes` keys "can change
// without notice"); Microsoft's "Product names and service plan identifiers for licensing"
// reference (the CSV behind learn.microsoft.com/entra/identity/users/licensing-service-plan-reference;
// Product_Display_Name, String_Id, GUID) does, by product name. This table is a maintained
// subset of it, keyed by the Partner Center SKU title (where Partner Center's title differs from
// the reference's display name, both are listed). An admin can map anything else on the
// `catalog` card; a SKU neither knows is shown as unmapped, never dropped.
//
// Source of the rows: the reference CSV as of 2024-10 (3,276 rows, 413 products), copied in the
// public repository newtech-sm/product_names_for_licensing, product_name.csv, commit
// f31885db104af4d687c0f9448f12cc0b1b9da4f2. Values are copied as published (String_Id, GUID).

export interface SkuReference {
  /** Partner Center SKU titles that grant this license, lower-cased comparisons (the first is the reference's own name). */
  titles: string[];
  /** Graph subscribedSku.skuPartNumber (the reference's String_Id). */
  skuPartNumber: string;
  /** Graph subscribedSku.skuId (the reference's GUID). */
  graphSkuId: string;
}

export const SKU_REFERENCE: readonly SkuReference[] = [
  { titles: ['Microsoft 365 E3'], skuPartNumber: 'SPE_E3', graphSkuId: '05e9a617-0261-4cee-bb44-138d3ef5d965' },
  { titles: ['Microsoft 365 E5'], skuPartNumber: 'SPE_E5', graphSkuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06' },
  { titles: ['Microsoft 365 F3'], skuPartNumber: 'SPE_F1', graphSkuId: '66b55226-6b4f-492c-910c-a3b7a3c9d993' },
  {
    titles: ['Microsoft 365 Business Basic'],
    skuPartNumber: 'O365_BUSINESS_ESSENTIALS',
    graphSkuId: '3b555118-da6a-4418-894f-7df1e2096870',
  },
  {
    titles: ['Microsoft 365 Business Standard'],
    skuPartNumber: 'O365_BUSINESS_PREMIUM',
    graphSkuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
  },
  { titles: ['Microsoft 365 Business Premium'], skuPartNumber: 'SPB', graphSkuId: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46' },
  { titles: ['Microsoft 365 Apps for Business'], skuPartNumber: 'O365_BUSINESS', graphSkuId: 'cdd28e44-67e3-425e-be4c-737fab2899d3' },
  { titles: ['Office 365 E3'], skuPartNumber: 'ENTERPRISEPACK', graphSkuId: '6fd2c87f-b296-42f0-b197-1e91e994b900' },
  { titles: ['Exchange Online (Plan 1)'], skuPartNumber: 'EXCHANGESTANDARD', graphSkuId: '4b9405b0-7788-4568-add1-99614e613b69' },
  { titles: ['Power BI Pro'], skuPartNumber: 'POWER_BI_PRO', graphSkuId: 'f8a1db68-be16-40ed-86d5-cb42ce701560' },
  { titles: ['Power BI Premium Per User'], skuPartNumber: 'PBI_PREMIUM_PER_USER', graphSkuId: 'c1d032e0-5619-4761-9b5c-75b6831e1711' },
  { titles: ['Project Plan 1'], skuPartNumber: 'PROJECT_P1', graphSkuId: 'beb6439c-caad-48d3-bf46-0c82871e12be' },
  { titles: ['Project Plan 3'], skuPartNumber: 'PROJECTPROFESSIONAL', graphSkuId: '53818b1b-4a27-454b-8896-0dba576410e6' },
  // Partner Center sells it as "Visio Plan 2"; the reference's "Visio Plan 2" row is the departmental SKU.
  { titles: ['Visio Online Plan 2', 'Visio Plan 2'], skuPartNumber: 'VISIOCLIENT', graphSkuId: 'c5928f49-12ba-48f7-ada3-0d743a3601d5' },
  {
    titles: ['Visio Online Plan 1', 'Visio Plan 1'],
    skuPartNumber: 'VISIOONLINE_PLAN1',
    graphSkuId: '4b244418-9658-4451-a2b8-b5e2b364e9bd',
  },
  {
    titles: ['Microsoft Teams Premium Introductory Pricing', 'Microsoft Teams Premium'],
    skuPartNumber: 'Microsoft_Teams_Premium',
    graphSkuId: '36a0f3b3-adb5-49ea-bf66-762134cf063a',
  },
];

/** An admin's own mapping of one Partner Center SKU (`productId:skuId`), stored per tenant. */
export interface SkuOverride {
  productSku: string;
  skuPartNumber: string;
}

export type SkuMapping = { skuPartNumber: string; source: 'override' | 'reference' } | { source: 'unmapped' };

const normalise = (title: string) => title.trim().toLowerCase().replace(/\s+/g, ' ');

/** The license a Partner Center SKU grants: the admin's override first, then the reference by title. */
export function mapSku(item: { productId: string; skuId: string; name: string }, overrides: readonly SkuOverride[] = []): SkuMapping {
  const key = `${item.productId}:${item.skuId}`.toLowerCase();
  const override = overrides.find((o) => o.productSku.toLowerCase() === key);
  if (override) return { skuPartNumber: override.skuPartNumber, source: 'override' };
  const title = normalise(item.name);
  const row = SKU_REFERENCE.find((r) => r.titles.some((t) => normalise(t) === title));
  return row ? { skuPartNumber: row.skuPartNumber, source: 'reference' } : { source: 'unmapped' };
}

/** A Partner Center `productId:skuId` as an admin types it (12-character product id, 4-character SKU id). */
export function parseProductSku(text: string): string | undefined {
  const match = /^\s*([A-Z0-9]{12}):([A-Z0-9]{4})\s*$/i.exec(text);
  return match ? `${match[1]!.toUpperCase()}:${match[2]!.toUpperCase()}` : undefined;
}

/** A Graph skuPartNumber as an admin types it: letters, digits, underscores (SPE_E3, Microsoft_Teams_Premium). */
export function parseSkuPartNumber(text: string): string | undefined {
  const trimmed = text.trim();
  return /^[A-Za-z0-9_]{2,64}$/.test(trimmed) ? trimmed : undefined;
}
