// Reads Partner Center SDK model classes (microsoft/partner-center-sdk-for-dotNET,
// Source/PartnerSdk.Models) and writes their JSON field lists: each public property as its
// camelCase wire name and type, each enum as its camelCase values (the SDK serialises both
// camelCase). The REST API has no published OpenAPI document; these lists are its contract.
// Usage: node scripts/contracts/csharp-models.mjs <models folder> <out.json> <Folder/Class>...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [folder, out, ...classes] = process.argv.slice(2);
if (!folder || !out || classes.length === 0) {
  console.error('usage: csharp-models.mjs <PartnerSdk.Models folder> <out.json> <Folder/Class>...');
  process.exit(2);
}
const camel = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const models = {};
const enums = {};
for (const file of classes) {
  const text = readFileSync(join(folder, `${file}.cs`), 'utf8').replace(/^\uFEFF/, '');
  const enumMatch = /public enum (\w+)\s*\{([^}]*)\}/.exec(text);
  if (enumMatch) {
    const body = enumMatch[2].replace(/\/\/\/.*$/gm, '').replace(/\[[^\]]*\]/g, '');
    enums[`${file}`] = body
      .split(',')
      .map((v) => v.split('=')[0].trim())
      .filter(Boolean)
      .map(camel);
    continue;
  }
  const classMatch = /public (?:sealed |abstract )?class (\w+)(?:\s*:\s*([\w<>]+))?/.exec(text);
  if (!classMatch) throw new Error(`no class or enum in ${file}`);
  const fields = {};
  for (const m of text.matchAll(/public (?:override |virtual )?([\w<>?, .]+?) (\w+)\s*\{\s*get/g)) {
    fields[camel(m[2])] = m[1].replace(/\s+/g, '');
  }
  models[file] = { class: classMatch[1], ...(classMatch[2] ? { base: classMatch[2] } : {}), fields };
}
writeFileSync(out, `${JSON.stringify({ models, enums }, null, 1)}\n`);
console.log(`${Object.keys(models).length} models, ${Object.keys(enums).length} enums → ${out}`);
