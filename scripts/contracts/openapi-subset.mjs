// Cuts a vendor's OpenAPI/swagger document down to the operations Quartermaster calls and the
// schemas they reference (transitively), so the contract kept in test/contracts stays small.
// Usage: node scripts/contracts/openapi-subset.mjs <openapi.json> <out.json> <METHOD path>...
//   e.g. "get /public/v1/catalog/items". Vendor extensions (x-*) are dropped; nothing else changes.
import { readFileSync, writeFileSync } from 'node:fs';

const [source, out, ...operations] = process.argv.slice(2);
if (!source || !out || operations.length === 0) {
  console.error('usage: openapi-subset.mjs <openapi.json> <out.json> "<method> <path>"...');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(source, 'utf8'));
const withoutExtensions = (value) => JSON.parse(JSON.stringify(value, (key, v) => (key.startsWith('x-') ? undefined : v)));
const schemasKey = doc.components ? 'components' : 'definitions';
const allSchemas = doc.components ? doc.components.schemas : doc.definitions;

const paths = {};
for (const operation of operations) {
  const [method, path] = operation.split(' ');
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no ${operation} in ${source}`);
  paths[path] ??= {};
  paths[path][method.toLowerCase()] = withoutExtensions(op);
}

const wanted = new Set();
const visit = (value) => {
  if (Array.isArray(value)) return value.forEach(visit);
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#/')) {
      const name = v.split('/').pop();
      if (!wanted.has(name) && allSchemas[name]) {
        wanted.add(name);
        visit(allSchemas[name]);
      }
    } else visit(v);
  }
};
visit(paths);

const schemas = Object.fromEntries([...wanted].sort().map((name) => [name, withoutExtensions(allSchemas[name])]));
const subset = doc.components
  ? { openapi: doc.openapi, info: doc.info, paths, components: { schemas } }
  : { swagger: doc.swagger, info: doc.info, paths, [schemasKey]: schemas };
writeFileSync(out, `${JSON.stringify(subset, null, 1)}\n`);
console.log(`${Object.keys(paths).length} paths, ${wanted.size} schemas → ${out}`);
