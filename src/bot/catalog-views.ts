// What the admin's catalog card (cards/catalog.json) shows: the overview from the catalog admin
// service turned into the data the template binds.
import type { CatalogOverview } from '../services/catalog-admin.js';
import { productSkuOf } from '../services/catalog-admin.js';

/** Not-orderable rows a card shows at most: Teams cards are limited in size. */
export const MAX_CATALOG_ROWS = 10;

export interface CatalogCardData {
  summary: string;
  note: string;
  noteColor: 'Default' | 'Good' | 'Warning' | 'Attention';
  pricesFrom: string;
  pricesProblem: string;
  items: {
    name: string;
    productSku: string;
    reason: string;
    canMap: boolean;
    choiceInputId: string;
    textInputId: string;
    licenseChoices: { title: string; value: string }[];
    /** The row's mapping refused: what was chosen or typed, and the problem beside it. */
    chosenLicense: string;
    typedLicense: string;
    mapError: string;
  }[];
  moreText: string;
  mappings: { productSku: string; text: string }[];
}

/** Input ids of one row's license choice and typed part number (the card's data names them). */
export function mappingInputIds(productSku: string): { choice: string; text: string } {
  const id = productSku.replace(/[^A-Za-z0-9]/g, '_');
  return { choice: `license_${id}`, text: `licenseText_${id}` };
}

const PRICE_SOURCE: Record<CatalogOverview['prices']['source'], string> = {
  'price-sheet': 'the Partner Center price sheet',
  'price-list': 'the configured price list (PRICE_LIST_FILE)',
  none: 'none: Partner Center items have no price',
};

/** A row's mapping that was refused: the form keeps what was chosen or typed and says why beside it. */
export interface RefusedMapping {
  productSku: string;
  chosen: string;
  typed: string;
  message: string;
}

export function catalogCardData(
  overview: CatalogOverview,
  note?: { text: string; color: CatalogCardData['noteColor'] },
  refused?: RefusedMapping,
): CatalogCardData {
  const { orderable, unorderable, prices, overrides, licenses } = overview;
  const shown = unorderable.slice(0, MAX_CATALOG_ROWS);
  const hidden = unorderable.length - shown.length;
  return {
    summary:
      `${orderable} ${orderable === 1 ? 'product can' : 'products can'} be requested` +
      (unorderable.length ? `; ${unorderable.length} cannot yet.` : '.'),
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    pricesFrom: PRICE_SOURCE[prices.source] + (prices.asOf ? `, as of ${prices.asOf}` : ''),
    pricesProblem: prices.problem ?? '',
    items: shown.map(({ item, reason }) => {
      const productSku = productSkuOf(item);
      const ids = mappingInputIds(productSku);
      return {
        name: item.name,
        productSku,
        reason:
          reason === 'unmapped'
            ? "Microsoft's licensing reference does not say which license it grants: choose it below."
            : `No price for it in ${PRICE_SOURCE[prices.source]}.`,
        canMap: reason === 'unmapped',
        choiceInputId: ids.choice,
        textInputId: ids.text,
        licenseChoices: licenses.map((l) => ({ title: l, value: l })),
        ...(refused?.productSku === productSku
          ? { chosenLicense: refused.chosen, typedLicense: refused.typed, mapError: refused.message }
          : { chosenLicense: '', typedLicense: '', mapError: '' }),
      };
    }),
    moreText: hidden > 0 ? `...and ${hidden} more.` : '',
    mappings: overrides.map((o) => ({ productSku: o.productSku, text: `${o.name} (${o.productSku}) grants ${o.skuPartNumber}` })),
  };
}
