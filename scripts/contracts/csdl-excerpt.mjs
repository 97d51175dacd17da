// Copies the named EntityType / ComplexType / EnumType elements out of Microsoft Graph's CSDL
// (msgraph-metadata clean_v10_metadata/cleanMetadata.xml, ~3.5 MB) into a small excerpt kept in
// test/contracts/graph. The elements are copied verbatim, inside a minimal Schema element.
// Usage: node scripts/contracts/csdl-excerpt.mjs <cleanMetadata.xml> <out.xml> <TypeName>...
import { readFileSync, writeFileSync } from 'node:fs';

const [source, out, ...names] = process.argv.slice(2);
if (!source || !out || names.length === 0) {
  console.error('usage: csdl-excerpt.mjs <cleanMetadata.xml> <out.xml> <TypeName>...');
  process.exit(2);
}
const xml = readFileSync(source, 'utf8');
// The first schema (namespace microsoft.graph) holds the v1.0 types; later ones are other namespaces.
const graphSchemaEnd = xml.indexOf('</Schema>');
const graph = xml.slice(0, graphSchemaEnd);
const pieces = names.map((name) => {
  const open = new RegExp(`<(EntityType|ComplexType|EnumType) Name="${name}"[^>]*?(/?)>`).exec(graph);
  if (!open) throw new Error(`no type ${name} in ${source}`);
  if (open[2] === '/') return `      ${open[0]}`;
  const end = graph.indexOf(`</${open[1]}>`, open.index);
  return `      ${graph.slice(open.index, end + open[1].length + 3)}`;
});
writeFileSync(
  out,
  `<?xml version="1.0" encoding="utf-8"?>\n<!-- Excerpt of Microsoft Graph v1.0 CSDL: see SOURCES.md -->\n<Schema Namespace="microsoft.graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">\n${pieces.join('\n')}\n</Schema>\n`,
);
console.log(`${names.length} types → ${out}`);
