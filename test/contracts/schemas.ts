// The vendors' contracts in test/contracts, turned into JSON Schema validators (the
// normalisations are listed in SOURCES.md): what a contract test checks an emulator answer,
// or a vendor example, against. One validator per vendor answer shape:
//   marketplaceResponse / marketplaceBillingResponse(method, openApiPath, status), azureQueryResult(),
//   graphEntity(type) / graphDerivedEntity(baseType) / graphCollection(type),
//   partnerCenter(model) / partnerCenterCollection(model), partnerCenterExportRow().
import { readFileSync } from 'node:fs';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';

const here = (path: string) => new URL(path, import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(here(path), 'utf8')) as Record<string, any>;

export interface ContractCheck {
  ok: boolean;
  /** "instancePath: message" lines, for a readable failure. */
  errors: string[];
}

function check(validate: ValidateFunction, value: unknown): ContractCheck {
  const ok = validate(value) as boolean;
  return { ok, errors: ok ? [] : (validate.errors ?? []).map(describeError) };
}

function describeError(e: ErrorObject): string {
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : '';
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
}

// ---------------------------------------------------------------------------------------
// Normalising OpenAPI 3 / swagger 2 schemas into JSON Schema (draft-07, Ajv's default)
// ---------------------------------------------------------------------------------------

/**
 * Closed world, nullable, and the generator's `allOf: [{$ref: XRef}]` beside X's own full
 * property list (see SOURCES.md). `refBase` rewrites `#/components/schemas/X` to this document.
 */
function normalise(schema: unknown, refBase: string, openWorld: Set<string> = new Set(), name?: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => normalise(s, refBase, openWorld));
  if (!schema || typeof schema !== 'object') return schema;
  const s = { ...(schema as Record<string, unknown>) };
  if (typeof s.$ref === 'string') return { $ref: `${refBase}${s.$ref.split('/').pop()}` };
  for (const key of ['readOnly', 'format', 'maxItems', 'description', 'title', 'example']) delete s[key];
  if (s.properties && s.allOf) delete s.allOf;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties')
      out.properties = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, normalise(v, refBase, openWorld)]));
    else if (key === 'nullable') continue;
    else out[key] = normalise(value, refBase, openWorld);
  }
  if (out.properties && out.additionalProperties === undefined && !(name && openWorld.has(name))) out.additionalProperties = false;
  if (s.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    if (!out.type && !out.enum) return { anyOf: [out, { type: 'null' }] };
  }
  // Swagger `items: {}` (any value) stays as is; `{}` is a valid JSON Schema.
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });

// ---------------------------------------------------------------------------------------
// SoftwareOne Marketplace Platform (OpenAPI 3.0 subset)
// ---------------------------------------------------------------------------------------

/** An OpenAPI 3 subset of the Marketplace Platform, registered under `id`. */
function marketplaceDocument(id: string, file: string) {
  const doc = readJson(file);
  ajv.addSchema(
    {
      $id: id,
      definitions: Object.fromEntries(
        Object.entries(doc.components.schemas).map(([name, schema]) => [name, normalise(schema, `${id}#/definitions/`, new Set(), name)]),
      ),
    },
    id,
  );
  return {
    /** The OpenAPI paths the subset describes (e.g. `/public/v1/commerce/orders/{id}`). */
    paths: Object.keys(doc.paths as object),
    /**
     * The answer schema for one operation and status: its own for 2xx (and errors the document
     * describes), problem details for any other error, no body where the document gives none (a 301).
     */
    response(method: string, path: string, status: number, body: unknown): ContractCheck {
      const operation = doc.paths[path]?.[method.toLowerCase()];
      if (!operation) return { ok: false, errors: [`${method} ${path} is not in the marketplace contract`] };
      const answer = operation.responses?.[String(status)];
      if (answer && !answer.content)
        return body === undefined
          ? { ok: true, errors: [] }
          : { ok: false, errors: [`${method} ${path} ${status} has no body in the contract`] };
      const described = answer?.content?.['application/json']?.schema?.$ref as string | undefined;
      const name = described?.split('/').pop() ?? (status >= 400 ? 'ProblemDetails' : undefined);
      if (!name) return { ok: false, errors: [`${method} ${path} has no ${status} answer in the contract`] };
      return check(ajv.getSchema(`${id}#/definitions/${name}`)!, body);
    },
    schema: (name: string, body: unknown) => check(ajv.getSchema(`${id}#/definitions/${name}`)!, body),
  };
}

const marketplace = marketplaceDocument('swo', './softwareone/marketplace-openapi.subset.json');
export const marketplacePaths = marketplace.paths;
export const marketplaceResponse = marketplace.response;
/** A named marketplace schema (e.g. "ProductItem"), for vendor examples and request bodies. */
export const marketplaceSchema = marketplace.schema;

/** The billing API (statements, charges, invoices, attachments): its own subset, see softwareone/SOURCES.md. */
const marketplaceBilling = marketplaceDocument('swo-billing', './softwareone/billing-openapi.subset.json');
export const marketplaceBillingPaths = marketplaceBilling.paths;
export const marketplaceBillingResponse = marketplaceBilling.response;

// ---------------------------------------------------------------------------------------
// Azure Cost Management (swagger 2.0 subset)
// ---------------------------------------------------------------------------------------

const azureDoc = readJson('./azure-cost-management/costmanagement-query.subset.json');
const AZURE_ID = 'azure-cost';
const azureDefinitions = Object.fromEntries(
  Object.entries(azureDoc.definitions as Record<string, unknown>).map(([name, schema]) => [
    name,
    normalise(schema, `${AZURE_ID}#/definitions/`, new Set(), name),
  ]),
) as Record<string, any>;
// QueryResult is a Resource with `properties`: merge the allOf (swagger's way) into one closed object.
azureDefinitions.QueryResult = {
  type: 'object',
  properties: { ...azureDefinitions.Resource.properties, properties: { $ref: `${AZURE_ID}#/definitions/QueryProperties` } },
  additionalProperties: false,
};
// The service and the vendor's own examples send `nextLink: null` on the last page; ARM
// resources answer `location`, `sku` and `eTag` as null when they have none.
azureDefinitions.QueryProperties.properties.nextLink = { type: ['string', 'null'] };
for (const name of ['location', 'sku', 'eTag']) azureDefinitions.QueryResult.properties[name] = { type: ['string', 'null'] };
ajv.addSchema({ $id: AZURE_ID, definitions: azureDefinitions }, AZURE_ID);

export const azureQueryResult = (body: unknown) => check(ajv.getSchema(`${AZURE_ID}#/definitions/QueryResult`)!, body);
export const azureQueryDefinition = (body: unknown) => check(ajv.getSchema(`${AZURE_ID}#/definitions/QueryDefinition`)!, body);
export const azureError = (body: unknown) => check(ajv.getSchema(`${AZURE_ID}#/definitions/ErrorResponse`)!, body);

// ---------------------------------------------------------------------------------------
// Microsoft Graph (CSDL excerpt)
// ---------------------------------------------------------------------------------------

interface CsdlType {
  kind: 'EntityType' | 'ComplexType' | 'EnumType';
  base?: string;
  properties: { name: string; type: string; nullable: boolean }[];
  members: string[];
}

/**
 * A type's key: its qualified name without `microsoft.graph.` (`user`, `partners.billing.manifest`);
 * `graph.` is the alias of `microsoft.graph`.
 */
const csdlKey = (qualified: string) => qualified.replace(/^graph\./, '').replace(/^microsoft\.graph\./, '');

const csdlTypes = new Map<string, CsdlType>();
for (const file of ['./graph/graph-v1.0-licensing.csdl.xml', './graph/partners-billing.csdl.xml']) {
  for (const schema of readFileSync(here(file), 'utf8').matchAll(/<Schema Namespace="([\w.]+)"[^>]*>([\s\S]*?)<\/Schema>/g)) {
    const namespace = csdlKey(`${schema[1]!}.`);
    for (const m of schema[2]!.matchAll(/<(EntityType|ComplexType|EnumType) Name="(\w+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
      const body = m[4] ?? '';
      const base = /BaseType="([\w.]+)"/.exec(m[3] ?? '')?.[1];
      csdlTypes.set(`${namespace}${m[2]!}`, {
        kind: m[1] as CsdlType['kind'],
        ...(base ? { base: csdlKey(base) } : {}),
        properties: [...body.matchAll(/<(?:Property|NavigationProperty) Name="(\w+)" Type="([^"]+)"([^>]*)\/>/g)].map((p) => ({
          name: p[1]!,
          type: p[2]!,
          nullable: !/Nullable="false"/.test(p[3] ?? ''),
        })),
        members: [...body.matchAll(/<Member Name="(\w+)"/g)].map((x) => x[1]!),
      });
    }
  }
}

const EDM: Record<string, object> = {
  'Edm.String': { type: 'string' },
  'Edm.Guid': { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
  'Edm.DateTimeOffset': { type: 'string' },
  'Edm.Date': { type: 'string' },
  'Edm.Int32': { type: 'integer' },
  'Edm.Int64': { type: 'integer' },
  'Edm.Boolean': { type: 'boolean' },
  'Edm.Double': { type: 'number' },
};

function csdlPropertySchema(type: string): object {
  const collection = /^Collection\((.+)\)$/.exec(type);
  if (collection) return { type: 'array', items: csdlPropertySchema(collection[1]!) };
  if (EDM[type]) return EDM[type]!;
  const name = csdlKey(type);
  return csdlTypes.has(name) ? { $ref: `graph#/definitions/${name}` } : {}; // a type outside the excerpt: any value
}

function csdlAllProperties(name: string): CsdlType['properties'] {
  const t = csdlTypes.get(name);
  if (!t) return [];
  return [...(t.base ? csdlAllProperties(t.base) : []), ...t.properties];
}

const graphDefinitions: Record<string, object> = {};
for (const [name, t] of csdlTypes) {
  if (t.kind === 'EnumType') {
    graphDefinitions[name] = { type: 'string', enum: t.members };
    continue;
  }
  const properties: Record<string, object> = {};
  for (const p of csdlAllProperties(name)) {
    const schema = csdlPropertySchema(p.type);
    properties[p.name] = p.nullable ? { anyOf: [schema, { type: 'null' }] } : schema;
  }
  // OData JSON carries @odata.* annotations (type, context, links) beside the properties, and
  // annotations of a property as `property@odata.*` (a navigation link names the related entity).
  graphDefinitions[name] = { type: 'object', properties, patternProperties: { '^(\\w+)?@odata\\.': {} }, additionalProperties: false };
}
// Microsoft Graph error responses (documented on "Microsoft Graph error responses and resource types").
graphDefinitions.error = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        innerError: { type: 'object' },
        details: { type: 'array' },
      },
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
};
ajv.addSchema({ $id: 'graph', definitions: graphDefinitions }, 'graph');

export const graphEntity = (type: string, body: unknown) => check(ajv.getSchema(`graph#/definitions/${type}`)!, body);
/**
 * An entity answered as `type` or a type derived from it, as its `@odata.type` says (the billing
 * export operation is a `runningOperation`, `exportSuccessOperation` or `failedOperation`).
 */
export function graphDerivedEntity(type: string, body: unknown): ContractCheck {
  const named = (body as Record<string, unknown> | undefined)?.['@odata.type'];
  const actual = typeof named === 'string' ? csdlKey(named.replace(/^#/, '')) : type;
  const derives = (name: string | undefined): boolean => name !== undefined && (name === type || derives(csdlTypes.get(name)?.base));
  if (!csdlTypes.has(actual) || !derives(actual)) return { ok: false, errors: [`/@odata.type: ${String(named)} is not a ${type}`] };
  return graphEntity(actual, body);
}
export const graphError = (body: unknown) => check(ajv.getSchema('graph#/definitions/error')!, body);
export function graphCollection(type: string, body: unknown): ContractCheck {
  const validate = ajv.compile({
    type: 'object',
    properties: { value: { type: 'array', items: { $ref: `graph#/definitions/${type}` } } },
    required: ['value'],
    patternProperties: { '^@odata\\.': {} },
    additionalProperties: false,
  });
  return check(validate, body);
}

// ---------------------------------------------------------------------------------------
// Partner Center (SDK model field lists + REST reference facts)
// ---------------------------------------------------------------------------------------

const pc = readJson('./partner-center/partner-center-models.json') as {
  models: Record<string, { class: string; base?: string; fields: Record<string, string> }>;
  enums: Record<string, string[]>;
};
export const partnerCenterReference = readJson('./partner-center/rest-reference.json');
// The invoice bodies (partner-center/billing-models.json, kept apart from the commerce lists):
// Invoice and InvoiceDetail are ResourceBaseWithLinks<StandardResourceLinks> in the same SDK
// (Invoices/Invoice.cs, InvoiceDetail.cs), so they carry `links` and `attributes` as well.
const billingModels = readJson('./partner-center/billing-models.json').restJson as Record<string, Record<string, string>>;
const pcModels: typeof pc.models = {
  ...pc.models,
  ...Object.fromEntries(
    Object.entries(billingModels).map(([name, fields]) => [
      `Invoices/${name}`,
      { class: name, base: 'ResourceBaseWithLinks<StandardResourceLinks>', fields },
    ]),
  ),
};

const pcByClass = new Map<string, string>();
for (const [key, model] of Object.entries(pcModels)) if (!pcByClass.has(model.class)) pcByClass.set(model.class, key);
const pcEnums = new Map(Object.entries(pc.enums).map(([key, values]) => [key.split('/').pop()!, values]));

function pcTypeSchema(csharp: string, folder: string): object {
  const type = csharp.replace(/\?$/, '');
  const list = /^(?:IEnumerable|List|ICollection)<(.+)>$/.exec(type);
  if (list) return { type: 'array', items: pcTypeSchema(list[1]!, folder) };
  if (/^Dictionary</.test(type)) return { type: 'object' };
  if (type === 'string' || type === 'Uri') return { type: 'string' };
  if (type === 'int' || type === 'long') return { type: 'integer' };
  if (type === 'double' || type === 'decimal') return { type: 'number' };
  if (type === 'bool') return { type: 'boolean' };
  if (type === 'DateTime' || type === 'DateTimeOffset') return { type: 'string' };
  const enumValues = pcEnums.get(type);
  // The service writes enum values in camelCase, lowercase or snake_case ("oneTime", "onetime",
  // "one_time": the SDK's EnumJsonConverter writes and reads words joined by "_"): compare
  // case-insensitively, ignoring underscores.
  if (enumValues) return { type: 'string', enumCaseless: enumValues };
  const sameFolder = pcModels[`${folder}/${type}`] ? `${folder}/${type}` : pcByClass.get(type);
  return sameFolder ? { $ref: `pc#/definitions/${sameFolder.replace('/', '.')}` } : {}; // a type outside the lists: any value
}

const enumWord = (value: string) => value.replace(/_/g, '').toLowerCase();

ajv.addKeyword({
  keyword: 'enumCaseless',
  validate: (values: string[], data: unknown) => typeof data !== 'string' || values.some((v) => enumWord(v) === enumWord(data)),
});

function pcFields(key: string): Record<string, string> {
  const model = pcModels[key];
  if (!model) return {};
  const base = model.base?.replace(/<.*$/, '');
  const inherited: Record<string, string> =
    base === 'ResourceBaseWithLinks'
      ? { ...pcFields('ResourceBase'), links: 'Links' }
      : base && pcByClass.has(base)
        ? pcFields(pcByClass.get(base)!)
        : {};
  return { ...inherited, ...model.fields };
}

const extraFields = (partnerCenterReference.extraFields ?? {}) as Record<string, Record<string, string>>;
const pcDefinitions: Record<string, object> = {};
for (const key of Object.keys(pcModels)) {
  const folder = key.includes('/') ? key.split('/')[0]! : '';
  const fields = { ...pcFields(key), ...(extraFields[key] ?? {}) };
  const properties = Object.fromEntries(
    Object.entries(fields).map(([name, type]) => [name, { anyOf: [pcTypeSchema(type, folder), { type: 'null' }] }]),
  );
  pcDefinitions[key.replace('/', '.')] = { type: 'object', properties, additionalProperties: false };
}
pcDefinitions.error = partnerCenterReference.errorSchema;
ajv.addSchema({ $id: 'pc', definitions: pcDefinitions }, 'pc');

export const partnerCenter = (model: string, body: unknown) => check(ajv.getSchema(`pc#/definitions/${model.replace('/', '.')}`)!, body);
export const partnerCenterError = (body: unknown) => check(ajv.getSchema('pc#/definitions/error')!, body);
/**
 * One line of a Graph billing export blob (PascalCase, as the reconciliation files): a
 * reconciliation line item, or a daily rated usage line item when it has a UsageDate.
 */
const exportRowModels = readJson('./partner-center/billing-models.json') as Record<string, Record<string, string>>;
const exportRowSchema = (fields: Record<string, string>) =>
  ajv.compile({
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, type]) => [name, { anyOf: [pcTypeSchema(type, 'Invoices'), { type: 'null' }] }]),
    ),
    additionalProperties: false,
  } as AnySchemaObject);
const reconciliationRow = exportRowSchema(exportRowModels.reconciliationExportRow!);
const dailyRatedUsageRow = exportRowSchema(exportRowModels.dailyRatedUsageExportRow!);
export const partnerCenterExportRow = (row: unknown) =>
  check(row && typeof row === 'object' && 'UsageDate' in row ? dailyRatedUsageRow : reconciliationRow, row);

/**
 * A collection's links: the SDK's StandardResourceCollectionLinks (self, next, previous), each a
 * Link (uri, method, headers as key/value pairs: the REST reference's paged examples, where
 * `next` carries the MS-ContinuationToken header; see rest-reference.json `customerPaging`).
 */
const pcLink = {
  type: 'object',
  properties: {
    uri: { type: 'string' },
    method: { type: 'string' },
    headers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { key: { type: 'string' }, value: { type: 'string' } },
        required: ['key', 'value'],
        additionalProperties: false,
      },
    },
  },
  required: ['uri', 'method'],
  additionalProperties: false,
};
const pcCollectionLinks = {
  type: 'object',
  properties: { self: pcLink, next: pcLink, previous: pcLink },
  additionalProperties: false,
};

export function partnerCenterCollection(model: string, body: unknown): ContractCheck {
  const validate = ajv.compile({
    type: 'object',
    properties: {
      totalCount: { type: 'integer' },
      items: { type: 'array', items: { $ref: `pc#/definitions/${model.replace('/', '.')}` } },
      links: pcCollectionLinks,
      attributes: { type: 'object' },
      continuationToken: { type: 'string' },
    },
    required: ['items'],
    additionalProperties: false,
  } as AnySchemaObject);
  return check(validate, body);
}
