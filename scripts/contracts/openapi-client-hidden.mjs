// Lists, for the price schemas a SoftwareOne contract subset keeps, the fields a client account
// never sees: those whose `x-softwareone-rql.access` (in the full openAPI.yaml; the subset drops
// x-* annotations) does not name "Client" (purchase prices, markup, margin...).
// Usage: node scripts/contracts/openapi-client-hidden.mjs <openAPI.yaml> <subset.json> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';

const [source, subsetFile, out] = process.argv.slice(2);
if (!source || !subsetFile || !out) {
  console.error('usage: openapi-client-hidden.mjs <openAPI.yaml> <subset.json> <out.json>');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(source, 'utf8'));
const subset = JSON.parse(readFileSync(subsetFile, 'utf8'));
const isPriceSchema = (name) => name === 'PriceListItem' || name.endsWith('Price');

const schemas = {};
for (const name of Object.keys(subset.components.schemas).filter(isPriceSchema).sort()) {
  const hidden = Object.entries(doc.components.schemas[name].properties ?? {})
    .filter(([, p]) => {
      const access = p['x-softwareone-rql']?.access?.map((a) => a.trim());
      return access !== undefined && !access.includes('Client');
    })
    .map(([field]) => field);
  if (hidden.length > 0) schemas[name] = hidden;
}
const fields = [...new Set(Object.values(schemas).flat())].sort();
const about =
  'Price fields a client account never sees, per schema, from x-softwareone-rql.access in the full openAPI.yaml. Cut by scripts/contracts/openapi-client-hidden.mjs; see SOURCES.md.';
writeFileSync(out, `${JSON.stringify({ about, info: doc.info, fields, schemas }, null, 1)}\n`);
console.log(`${Object.keys(schemas).length} schemas, hidden fields: ${fields.join(', ')} → ${out}`);
