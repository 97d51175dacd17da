// Microsoft Graph v1.0, the directory and licensing calls Quartermaster makes. The tenant is
// the access token's `tid`, as in Graph: the URL never names it. Shapes, defaults ($select
// projections, paging with @odata.nextLink) and error bodies follow the real service.
import { randomUUID } from 'node:crypto';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';
import type { SandboxState, SandboxTenant, SandboxUser } from './state.js';
import { bearerToken, GRAPH_RESOURCE, type TokenIssuer } from './tokens.js';

interface GraphContext {
  tenant: SandboxTenant;
  /** `http://host:port/v1.0`, for @odata links. */
  base: string;
}

/** Properties Graph returns for a user when the request has no $select. */
const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];
const MAX_PAGE_SIZE = 999;
const DEFAULT_PAGE_SIZE = 100;
const SIGN_IN_ACTIVITY_PAGE_SIZE = 120;

export function graphEmulator(state: SandboxState, tokens: TokenIssuer, options: { maxPageSize: number }): EmulatorDefinition {
  const router = new Router<GraphContext>()
    .add('GET', '/v1.0/organization', (_r, _p, { tenant, base }) =>
      json(200, {
        '@odata.context': `${base}/$metadata#organization`,
        value: [
          {
            id: tenant.id,
            displayName: tenant.displayName,
            verifiedDomains: [{ name: tenant.domain, isDefault: true, isInitial: false, type: 'Managed' }],
          },
        ],
      }),
    )
    .add('GET', '/v1.0/subscribedSkus', (_r, _p, { tenant, base }) =>
      json(200, { '@odata.context': `${base}/$metadata#subscribedSkus`, value: subscribedSkus(state, tenant) }),
    )
    .add('GET', '/v1.0/users', (request, _p, ctx) => listUsers(request, ctx, options.maxPageSize))
    .add('GET', '/v1.0/users/{id}', (request, { id }, ctx) => {
      const user = state.findUser(ctx.tenant.id, id!);
      if (!user) return notFound(request, id!);
      const selected = selectedProperties(request);
      if ('error' in selected) return selected.error;
      return json(200, { '@odata.context': `${ctx.base}/$metadata#users/$entity`, ...userJson(user, selected.properties) });
    })
    .add('GET', '/v1.0/users/{id}/manager', (request, { id }, ctx) => {
      const user = state.findUser(ctx.tenant.id, id!);
      if (!user) return notFound(request, id!);
      const manager = user.managerId ? ctx.tenant.users.get(user.managerId) : undefined;
      if (!manager) return notFound(request, 'manager');
      const selected = selectedProperties(request);
      if ('error' in selected) return selected.error;
      return json(200, {
        '@odata.context': `${ctx.base}/$metadata#directoryObjects/$entity`,
        '@odata.type': '#microsoft.graph.user',
        ...userJson(manager, selected.properties),
      });
    })
    .add('GET', '/v1.0/users/{id}/licenseDetails', (request, { id }, ctx) => {
      const user = state.findUser(ctx.tenant.id, id!);
      if (!user) return notFound(request, id!);
      const value = user.assignedSkuIds.map((skuId) => {
        const offer = state.catalog.find((o) => o.graphSkuId === skuId);
        return {
          id: Buffer.from(`${user.id}:${skuId}`).toString('base64url'),
          skuId,
          skuPartNumber: offer?.skuPartNumber ?? 'UNKNOWN',
          servicePlans: (offer?.servicePlans ?? []).map((p) => ({
            ...p,
            // A plan switched off on assignment is listed as Disabled, as Graph does.
            provisioningStatus: user.disabledPlans?.[skuId]?.includes(p.servicePlanId) ? 'Disabled' : 'Success',
            appliesTo: 'User',
          })),
        };
      });
      return json(200, { '@odata.context': `${ctx.base}/$metadata#users('${user.id}')/licenseDetails`, value });
    })
    .add('POST', '/v1.0/users/{id}/assignLicense', (request, { id }, ctx) => assignLicense(state, request, ctx, id!))
    .add('GET', '/v1.0/groups/{id}/members', (request, { id }, ctx) => groupMembers(request, ctx, id!, false, options.maxPageSize))
    .add('GET', '/v1.0/groups/{id}/transitiveMembers', (request, { id }, ctx) => groupMembers(request, ctx, id!, true, options.maxPageSize))
    .add('GET', '/v1.0/directory/administrativeUnits/{id}/members', (request, { id }, ctx) =>
      administrativeUnitMembers(request, ctx, id!, options.maxPageSize),
    );

  return {
    service: 'graph',
    routeOf: (request) => router.match(request.method, request.path)?.pattern ?? 'unmatched',
    handle(request) {
      const match = router.match(request.method, request.path);
      if (!match)
        return {
          response: graphError(request, 400, 'BadRequest', `Resource not found for the segment '${request.path.split('/').pop() ?? ''}'.`),
        };
      if (!match.handler)
        return {
          response: graphError(
            request,
            405,
            'Request_BadRequest',
            `The request method '${request.method}' is not supported for this resource.`,
          ),
        };

      const token = bearerToken(header(request, 'authorization'));
      if (!token) return { response: graphError(request, 401, 'InvalidAuthenticationToken', 'Access token is empty.') };
      const verified = tokens.verify(token);
      if ('problem' in verified) return { response: graphError(request, 401, 'InvalidAuthenticationToken', verified.problem) };
      if (verified.claims.aud !== GRAPH_RESOURCE)
        return { response: graphError(request, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.') };
      const tenant = state.tenant(verified.claims.tid);
      if (!tenant)
        return { response: graphError(request, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid tenant.') };

      const base = `http://${header(request, 'host') ?? '127.0.0.1'}/v1.0`;
      return { response: match.handler(request, match.params, { tenant, base }), tenantId: tenant.id };
    },
    renderFault(fault, request) {
      const code = fault.code !== undefined ? String(fault.code) : defaultCode(fault.status);
      const response = graphError(request, fault.status, code, fault.message ?? defaultMessage(fault.status));
      if (fault.retryAfterSeconds !== undefined) response.headers = { ...response.headers, 'Retry-After': String(fault.retryAfterSeconds) };
      return response;
    },
    trace: (request) => ({ ...(header(request, 'client-request-id') ? { correlationId: header(request, 'client-request-id')! } : {}) }),
    commonHeaders: (request) => ({ 'request-id': randomUUID(), 'client-request-id': header(request, 'client-request-id') ?? randomUUID() }),
  };
}

/**
 * Direct members, or (transitive) everyone reached through nested groups, each user once. The
 * emulator lists users only: nested groups themselves are walked, not returned.
 */
function groupMembers(
  request: EmulatorRequest,
  ctx: GraphContext,
  groupId: string,
  transitive: boolean,
  maxPageSize: number,
): EmulatorResponse {
  const group = ctx.tenant.groups.get(groupId);
  if (!group) return notFound(request, groupId);
  const users = new Map<string, SandboxUser>();
  const seen = new Set<string>();
  const walk = (g: { id: string; memberIds: string[] }) => {
    if (seen.has(g.id)) return;
    seen.add(g.id);
    for (const memberId of g.memberIds) {
      const user = ctx.tenant.users.get(memberId);
      if (user) users.set(user.id, user);
      const nested = ctx.tenant.groups.get(memberId);
      if (nested && transitive) walk(nested);
    }
  };
  walk(group);
  return page(request, ctx, [...users.values()], maxPageSize, `${ctx.base}/$metadata#directoryObjects`, (u, properties) => ({
    '@odata.type': '#microsoft.graph.user',
    ...userJson(u, properties),
  }));
}

/** An administrative unit's members (users here; Graph may also list groups and devices). */
function administrativeUnitMembers(request: EmulatorRequest, ctx: GraphContext, unitId: string, maxPageSize: number): EmulatorResponse {
  const unit = ctx.tenant.administrativeUnits.get(unitId);
  if (!unit) return notFound(request, unitId);
  const users = unit.memberIds.map((id) => ctx.tenant.users.get(id)).filter((u): u is SandboxUser => u !== undefined);
  return page(request, ctx, users, maxPageSize, `${ctx.base}/$metadata#directoryObjects`, (u, properties) => ({
    '@odata.type': '#microsoft.graph.user',
    ...userJson(u, properties),
  }));
}

function subscribedSkus(state: SandboxState, tenant: SandboxTenant) {
  const live = state.subscribedSkus(tenant.id);
  const retired = tenant.retiredSkus
    .filter((r) => !live.some((sku) => sku.offer.graphSkuId === r.graphSkuId))
    .map((r) => ({
      accountName: tenant.displayName,
      accountId: tenant.id,
      appliesTo: 'User',
      capabilityStatus: 'Deleted',
      consumedUnits: 0,
      id: `${tenant.id}_${r.graphSkuId}`,
      prepaidUnits: { enabled: 0, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: [],
      skuId: r.graphSkuId,
      skuPartNumber: r.skuPartNumber,
      subscriptionIds: [],
    }));
  return [...liveSkus(live, tenant), ...retired];
}

function liveSkus(live: ReturnType<SandboxState['subscribedSkus']>, tenant: SandboxTenant) {
  return live.map((sku) => ({
    accountName: tenant.displayName,
    accountId: tenant.id,
    appliesTo: 'User',
    capabilityStatus: sku.enabled > 0 ? 'Enabled' : 'Suspended',
    consumedUnits: sku.consumed,
    id: `${tenant.id}_${sku.offer.graphSkuId}`,
    prepaidUnits: { enabled: sku.enabled, suspended: sku.suspended, warning: 0, lockedOut: 0 },
    servicePlans: sku.offer.servicePlans.map((p) => ({ ...p, provisioningStatus: 'Success', appliesTo: 'User' })),
    skuId: sku.offer.graphSkuId,
    skuPartNumber: sku.offer.skuPartNumber,
    subscriptionIds: [],
  }));
}

function listUsers(request: EmulatorRequest, ctx: GraphContext, maxPageSize: number): EmulatorResponse {
  let users = [...ctx.tenant.users.values()];
  const filter = request.url.searchParams.get('$filter');
  if (filter) {
    // Enough OData for lookups: `property eq 'value'` on a string property.
    const m = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
    const property = m?.[1];
    if (!m || !property || !['id', 'userPrincipalName', 'mail', 'displayName', 'usageLocation', 'department'].includes(property)) {
      return graphError(
        request,
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified for property '${property ?? filter}' of resource 'User'.`,
      );
    }
    const value = (m[2] ?? '').replace(/''/g, "'").toLowerCase();
    users = users.filter((u) => String(userProperties(u)[property] ?? '').toLowerCase() === value);
  }
  return page(request, ctx, users, maxPageSize, `${ctx.base}/$metadata#users`, (u, properties) => userJson(u, properties));
}

/** One page of a collection, with @odata.nextLink carrying $skiptoken when more remain. */
function page(
  request: EmulatorRequest,
  ctx: GraphContext,
  users: SandboxUser[],
  maxPageSize: number,
  context: string,
  render: (user: SandboxUser, properties: string[]) => Record<string, unknown>,
): EmulatorResponse {
  const topText = request.url.searchParams.get('$top');
  const requested = topText === null ? DEFAULT_PAGE_SIZE : Number(topText);
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_SIZE) {
    return graphError(
      request,
      400,
      'Request_BadRequest',
      `Invalid page size specified: '${topText ?? ''}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
    );
  }
  const selected = selectedProperties(request);
  if ('error' in selected) return selected.error;
  const { properties } = selected;
  // signInActivity is an Entra ID P1/P2 feature: other tenants get this 403 (as Graph answers it).
  if (properties.includes('signInActivity') && !ctx.tenant.entraIdPremium)
    return graphError(
      request,
      403,
      'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      "Neither tenant is B2C or tenant doesn't have premium license",
    );
  // Graph may return fewer items than $top; callers must follow @odata.nextLink. With
  // signInActivity selected, Graph pages at most 120 users.
  const top = Math.min(requested, maxPageSize, properties.includes('signInActivity') ? SIGN_IN_ACTIVITY_PAGE_SIZE : MAX_PAGE_SIZE);
  const skip = Number(Buffer.from(request.url.searchParams.get('$skiptoken') ?? '', 'base64url').toString() || '0');
  const slice = users.slice(skip, skip + top);
  const body: Record<string, unknown> = { '@odata.context': context, value: slice.map((u) => render(u, properties)) };
  if (skip + top < users.length) {
    // Graph writes OData option names literally ($top, not %24top).
    const next = new URLSearchParams(request.url.searchParams);
    next.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
    const query = [...next].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    body['@odata.nextLink'] = `${ctx.base}${request.path.slice('/v1.0'.length)}?${query}`;
  }
  return json(200, body);
}

function assignLicense(state: SandboxState, request: EmulatorRequest, ctx: GraphContext, id: string): EmulatorResponse {
  const user = state.findUser(ctx.tenant.id, id);
  if (!user) return notFound(request, id);
  let body: { addLicenses?: { skuId?: string; disabledPlans?: string[] }[]; removeLicenses?: string[] };
  try {
    body = JSON.parse(request.body || '{}') as typeof body;
  } catch {
    return graphError(
      request,
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const missing = (['addLicenses', 'removeLicenses'] as const).filter((k) => !Array.isArray(body[k]));
  if (missing.length > 0) {
    return graphError(
      request,
      400,
      'Request_BadRequest',
      `One or more parameters of the function import 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(', ')}.`,
    );
  }
  const skus = state.subscribedSkus(ctx.tenant.id);
  const adds = body.addLicenses!.map((l) => l.skuId ?? '');
  // Usage location matters for assigning only: removing a license works without one.
  if (adds.length > 0 && !user.usageLocation)
    return graphError(request, 400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');

  for (const skuId of [...adds, ...body.removeLicenses!]) {
    if (!skus.some((s) => s.offer.graphSkuId === skuId))
      return graphError(request, 400, 'Request_BadRequest', `License ${skuId} does not correspond to a valid company License.`);
  }
  for (const skuId of adds) {
    if (user.assignedSkuIds.includes(skuId)) continue; // assigning a held license changes nothing
    const sku = skus.find((s) => s.offer.graphSkuId === skuId)!;
    if (sku.enabled - sku.consumed < 1)
      return graphError(request, 400, 'Request_BadRequest', `Subscription ${skuId} does not have any available licenses.`);
  }
  state.setLicenses(ctx.tenant.id, user.id, [...user.assignedSkuIds.filter((s) => !body.removeLicenses!.includes(s)), ...adds]);
  // disabledPlans replaces the plans switched off for that license (re-assigning a held one updates them).
  for (const license of body.addLicenses!) state.setDisabledPlans(ctx.tenant.id, user.id, license.skuId!, license.disabledPlans ?? []);
  return json(200, { '@odata.context': `${ctx.base}/$metadata#users/$entity`, ...userJson(user, DEFAULT_USER_PROPERTIES) });
}

function userProperties(user: SandboxUser): Record<string, unknown> {
  const [givenName, ...rest] = user.displayName.split(' ');
  return {
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: givenName ?? null,
    surname: rest.join(' ') || null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    userPrincipalName: user.userPrincipalName,
    department: user.department ?? null,
    employeeOrgData: user.costCenter ? { costCenter: user.costCenter, division: null } : null,
    usageLocation: user.usageLocation ?? null,
    accountEnabled: true,
    assignedLicenses: user.assignedSkuIds.map((skuId) => ({ disabledPlans: [...(user.disabledPlans?.[skuId] ?? [])], skuId })),
    // Only with $select (never a default property), as in Graph; null when never signed in.
    signInActivity: signInActivity(user),
  };
}

function signInActivity(user: SandboxUser): Record<string, string | null> | null {
  const interactive = user.lastSignInDateTime ?? null;
  const nonInteractive = user.lastNonInteractiveSignInDateTime ?? null;
  if (!interactive && !nonInteractive) return null;
  const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : null);
  const requestId = (d: Date | null) =>
    d
      ? Buffer.from(`${user.id}:${d.getTime()}`)
          .toString('hex')
          .slice(0, 32)
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
      : null;
  const latest =
    user.lastSuccessfulSignInDateTime !== undefined
      ? user.lastSuccessfulSignInDateTime
      : ([interactive, nonInteractive].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null);
  return {
    lastSignInDateTime: iso(interactive),
    lastSignInRequestId: requestId(interactive),
    lastNonInteractiveSignInDateTime: iso(nonInteractive),
    lastNonInteractiveSignInRequestId: requestId(nonInteractive),
    lastSuccessfulSignInDateTime: iso(latest),
    lastSuccessfulSignInRequestId: requestId(latest),
  };
}

function userJson(user: SandboxUser, properties: string[]): Record<string, unknown> {
  const all = userProperties(user);
  return Object.fromEntries(properties.map((p) => [p, all[p]]));
}

/** $select as a list of known user properties (id always included), or a Graph 400. */
function selectedProperties(request: EmulatorRequest): { properties: string[] } | { error: EmulatorResponse } {
  const text = request.url.searchParams.get('$select');
  if (!text) return { properties: DEFAULT_USER_PROPERTIES };
  const known = Object.keys(userProperties({ id: '', displayName: '', userPrincipalName: '', assignedSkuIds: [] }));
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.find((p) => !known.includes(p));
  if (unknown)
    return {
      error: graphError(request, 400, 'Request_BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`),
    };
  return { properties: [...new Set(['id', ...wanted])] };
}

function notFound(request: EmulatorRequest, resource: string): EmulatorResponse {
  return graphError(
    request,
    404,
    'Request_ResourceNotFound',
    `Resource '${resource}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/** Graph's error body, with the innerError Graph adds to every one. */
function graphError(request: EmulatorRequest, status: number, code: string, message: string): EmulatorResponse {
  return json(status, {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ''),
        'request-id': randomUUID(),
        'client-request-id': header(request, 'client-request-id') ?? randomUUID(),
      },
    },
  });
}

function defaultCode(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 503) return 'ServiceNotAvailable';
  if (status === 504) return 'GatewayTimeout';
  if (status >= 500) return 'generalException';
  return 'BadRequest';
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Too many requests';
  if (status >= 500) return 'The service is temporarily unavailable. Please try again later.';
  return 'The request is invalid.';
}
