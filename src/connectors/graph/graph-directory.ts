// DirectoryPort on Microsoft Graph v1.0 with @microsoft/microsoft-graph-client (one client,
// its middleware and the connectors' transport in ./middleware.ts). App-only tokens per
// customer tenant, set on each request; each request (each page of a list) is retried on its
// own under the shared policy.
import { correlationIdForCall } from '../../correlation.js';
import { Client, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { GRAPH_SCOPE, type TokenProvider } from '../identity/token-provider.js';
import {
  ConnectorError,
  type CapabilityStatus,
  type DirectoryPerson,
  type DirectoryPort,
  type DirectoryMember,
  type DirectorySet,
  type DirectoryUser,
  type DirectoryUserSignIn,
  type SubscribedSku,
} from '../ports.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { graphFailure } from './graph-errors.js';
import { graphMiddlewareChain } from './middleware.js';
import { parseWire } from '../outbound.js';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
const SERVICE = 'graph';

export interface GraphDirectoryOptions {
  tokens: TokenProvider;
  /** Default https://graph.microsoft.com (the sandbox: its loopback URL). */
  baseUrl?: string;
  retry: RetryPolicy;
  log: Logger;
}

const USER_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'usageLocation'];
/** One user looked up by id also brings their licenses: a request needs both, in one call. */
const ONE_USER_FIELDS = [...USER_FIELDS, 'assignedLicenses'];

/** A license as Graph lists it on a user: the SKU, and the plans switched off for them. */
const AssignedLicenseWire = z.object({ skuId: z.string(), disabledPlans: z.array(z.string()).nullish() }).passthrough();

const UserWire = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  usageLocation: z.string().nullish(),
  assignedLicenses: z.array(AssignedLicenseWire).nullish(),
  '@odata.type': z.string().optional(),
});

const SIGN_IN_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'assignedLicenses', 'signInActivity'];
/** Graph's page limit for users with signInActivity selected. */
const SIGN_IN_PAGE_SIZE = 120;

const SignInUserWire = UserWire.pick({ id: true, displayName: true, userPrincipalName: true, mail: true, assignedLicenses: true }).extend({
  signInActivity: z
    .object({
      lastSignInDateTime: z.string().nullish(),
      lastNonInteractiveSignInDateTime: z.string().nullish(),
      lastSuccessfulSignInDateTime: z.string().nullish(),
    })
    .passthrough()
    .nullish(),
});

// capabilityStatus is a plain string in Graph's CSDL; `Deleted` (and any value Graph adds later)
// must not fail the whole tenant's list: unknown values are logged and the SKU is kept as is.
const CAPABILITY_STATUSES: CapabilityStatus[] = ['Enabled', 'Suspended', 'LockedOut', 'Warning', 'Deleted'];
const SkuWire = z.object({
  skuId: z.string(),
  skuPartNumber: z.string(),
  capabilityStatus: z.string(),
  consumedUnits: z.number(),
  prepaidUnits: z.object({ enabled: z.number() }).passthrough(),
  servicePlans: z.array(z.object({ servicePlanId: z.string(), servicePlanName: z.string() }).passthrough()).nullish(),
});

/** A member with the licenses it holds: what a unit's quota counts. */
const MEMBER_FIELDS = ['id', 'displayName', 'userPrincipalName', 'assignedLicenses'];
const MemberWire = UserWire.pick({ id: true, displayName: true, userPrincipalName: true, assignedLicenses: true, '@odata.type': true });

const PEOPLE_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'department', 'employeeOrgData', 'assignedLicenses'];

const PersonWire = UserWire.pick({ id: true, displayName: true, userPrincipalName: true, mail: true, assignedLicenses: true }).extend({
  department: z.string().nullish(),
  employeeOrgData: z.object({ costCenter: z.string().nullish(), division: z.string().nullish() }).passthrough().nullish(),
});

const Page = <T extends z.ZodTypeAny>(item: T) => z.object({ value: z.array(item), '@odata.nextLink': z.string().optional() });

export class GraphDirectory implements DirectoryPort {
  private readonly baseUrl: string;
  private readonly origin: string;
  private readonly client: Client;
  private refused: ((tenantId: string, error: ConnectorError) => void) | undefined;

  /** Told whenever Graph refuses the app for a tenant (see isGraphRefusal): the consent is gone or lacks a permission. */
  onRefused(listener: (tenantId: string, error: ConnectorError) => void): void {
    this.refused = listener;
  }

  constructor(private readonly options: GraphDirectoryOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.client = Client.initWithMiddleware({
      baseUrl: `${this.baseUrl}/`,
      defaultVersion: 'v1.0',
      middleware: graphMiddlewareChain({ origin: this.origin, timeoutMs: options.retry.timeoutMs, log: options.log }),
    });
  }

  async listSubscribedSkus(tenantId: string): Promise<SubscribedSku[]> {
    const skus = await this.list(tenantId, '/subscribedSkus', SkuWire);
    return skus.map((s) => ({
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      capabilityStatus: this.capabilityStatus(tenantId, s),
      consumedUnits: s.consumedUnits,
      enabledUnits: s.prepaidUnits.enabled,
      ...(s.servicePlans && {
        servicePlans: s.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName })),
      }),
    }));
  }

  async getUser(tenantId: string, idOrUpn: string): Promise<DirectoryUser | undefined> {
    const user = await this.getOptional(tenantId, `/users/${encodeURIComponent(idOrUpn)}`, (request) => request.select(ONE_USER_FIELDS));
    return user === undefined ? undefined : toUser(parse(UserWire, user));
  }

  async listUsers(tenantId: string): Promise<DirectoryUser[]> {
    return (await this.list(tenantId, `/users?$select=${USER_FIELDS.join(',')}&$top=999`, UserWire)).map(toUser);
  }

  /** Undefined when the user has no manager (or is not in the tenant). */
  async getManager(tenantId: string, userId: string): Promise<DirectoryUser | undefined> {
    const manager = await this.getOptional(tenantId, `/users/${encodeURIComponent(userId)}/manager`, (request) =>
      request.select(USER_FIELDS),
    );
    return manager === undefined ? undefined : toUser(parse(UserWire, manager));
  }

  /** Users in the group, through nested groups too (transitiveMembers); throws 'not-found' for an unknown group. */
  async listGroupMembers(tenantId: string, groupId: string): Promise<DirectoryUser[]> {
    const members = await this.list(
      tenantId,
      `/groups/${encodeURIComponent(groupId)}/transitiveMembers?$select=${USER_FIELDS.join(',')}&$top=999`,
      UserWire,
    );
    return members.filter((m) => m['@odata.type'] === undefined || m['@odata.type'] === '#microsoft.graph.user').map(toUser);
  }

  async assignLicense(tenantId: string, userId: string, skuId: string, disabledPlans: readonly string[] = []): Promise<void> {
    await this.call(tenantId, `/users/${encodeURIComponent(userId)}/assignLicense`, (request) =>
      request.post({ addLicenses: [{ skuId, disabledPlans: [...disabledPlans] }], removeLicenses: [] }),
    );
  }

  /** Every user with department, cost centre (employeeOrgData) and licenses: who pays for what (chargeback). */
  async listPeople(tenantId: string): Promise<DirectoryPerson[]> {
    const users = await this.list(tenantId, `/users?$select=${PEOPLE_FIELDS.join(',')}&$top=999`, PersonWire);
    return users.map((u) => ({
      id: u.id,
      displayName: u.displayName ?? '',
      userPrincipalName: u.userPrincipalName ?? '',
      ...(u.mail ? { mail: u.mail } : {}),
      ...(u.department ? { department: u.department } : {}),
      ...(u.employeeOrgData?.costCenter ? { costCentre: u.employeeOrgData.costCenter } : {}),
      licenseSkuIds: (u.assignedLicenses ?? []).map((l) => l.skuId),
    }));
  }

  /**
   * A department (`$filter=department eq '…'`), a group (transitiveMembers: nested groups too) or
   * an administrative unit (members); users only, each with assignedLicenses.
   */
  async listMembers(tenantId: string, set: DirectorySet): Promise<DirectoryMember[]> {
    const select = `$select=${MEMBER_FIELDS.join(',')}&$top=999`;
    const path =
      set.kind === 'department'
        ? `/users?$filter=${encodeURIComponent(`department eq '${set.value.replace(/'/g, "''")}'`)}&${select}`
        : set.kind === 'group'
          ? `/groups/${encodeURIComponent(set.value)}/transitiveMembers?${select}`
          : `/directory/administrativeUnits/${encodeURIComponent(set.value)}/members?${select}`;
    const members = await this.list(tenantId, path, MemberWire);
    return members
      .filter((m) => m['@odata.type'] === undefined || m['@odata.type'] === '#microsoft.graph.user')
      .map((m) => ({
        id: m.id,
        displayName: m.displayName ?? '',
        userPrincipalName: m.userPrincipalName ?? '',
        licenses: (m.assignedLicenses ?? []).map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
      }));
  }

  /**
   * Users with their latest successful sign-in and licenses, every page. Dormancy is judged by
   * lastSuccessfulSignInDateTime: lastSignInDateTime and lastNonInteractiveSignInDateTime also
   * move on failed attempts (someone guessing a dormant account's password keeps it "active").
   */
  async listUsersWithSignIn(tenantId: string): Promise<DirectoryUserSignIn[]> {
    const users = await this.list(tenantId, `/users?$select=${SIGN_IN_FIELDS.join(',')}&$top=${SIGN_IN_PAGE_SIZE}`, SignInUserWire);
    return users.map((u) => {
      const successful = u.signInActivity?.lastSuccessfulSignInDateTime;
      const latest = typeof successful === 'string' && !Number.isNaN(Date.parse(successful)) ? successful : undefined;
      return {
        id: u.id,
        displayName: u.displayName ?? '',
        userPrincipalName: u.userPrincipalName ?? '',
        ...(u.mail ? { mail: u.mail } : {}),
        ...(latest ? { lastSignInAt: latest } : {}),
        licenseSkuIds: (u.assignedLicenses ?? []).map((l) => l.skuId),
      };
    });
  }

  async removeLicense(tenantId: string, userId: string, skuId: string): Promise<void> {
    // Removing is idempotent at Graph (a license the user lacks stays absent): safe to retry.
    await this.call(tenantId, `/users/${encodeURIComponent(userId)}/assignLicense`, (request) =>
      request.post({ addLicenses: [], removeLicenses: [skuId] }),
    );
  }

  async licenseSkuIds(tenantId: string, userId: string): Promise<string[]> {
    const details = await this.list(tenantId, `/users/${encodeURIComponent(userId)}/licenseDetails`, z.object({ skuId: z.string() }));
    return details.map((d) => d.skuId);
  }

  // -------------------------------------------------------------------------------------

  private capabilityStatus(tenantId: string, sku: z.infer<typeof SkuWire>): CapabilityStatus {
    const known = CAPABILITY_STATUSES.find((c) => c.toLowerCase() === sku.capabilityStatus.toLowerCase());
    if (known) return known;
    this.options.log.warn(
      { tenantId, skuId: sku.skuId, capabilityStatus: sku.capabilityStatus },
      'unknown capabilityStatus; treated as Warning',
    );
    return 'Warning';
  }

  /**
   * One request under the retry policy, with the tenant's token and a client-request-id (the
   * running turn's or job's correlation id, the same across the call's attempts, so Graph's
   * logs tie them together and to our log lines).
   */
  private call<T>(tenantId: string, path: string, send: (request: GraphRequest) => Promise<T>): Promise<T> {
    const { retry, tokens, log } = this.options;
    // The turn's or job's id, so one user action can be followed across the vendor's logs.
    const correlationId = correlationIdForCall();
    const attempts = withRetries(
      async () => {
        const accessToken = await tokens.getToken(tenantId, GRAPH_SCOPE);
        try {
          return await send(
            this.client.api(path).header('Authorization', `Bearer ${accessToken}`).header('client-request-id', correlationId),
          );
        } catch (error) {
          throw graphFailure(error);
        }
      },
      retry,
      ({ error, attemptNumber, waitMs }) =>
        log.warn(
          { tenantId, kind: error.kind, status: error.details.status, attempt: attemptNumber, waitMs },
          'graph call failed; retrying',
        ),
    );
    return attempts.catch((error: unknown) => {
      if (error instanceof ConnectorError && isGraphRefusal(error)) this.refused?.(tenantId, error);
      throw error;
    });
  }

  /** A GET whose 404 means "no such thing": undefined. */
  private async getOptional(tenantId: string, path: string, shape: (request: GraphRequest) => GraphRequest): Promise<unknown> {
    try {
      return await this.call(tenantId, path, (request) => shape(request).get() as Promise<unknown>);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  /** Every page of a collection, following @odata.nextLink (only on our own Graph origin). */
  private async list<T extends z.ZodTypeAny>(tenantId: string, firstPath: string, item: T): Promise<z.infer<T>[]> {
    const items: z.infer<T>[] = [];
    let path: string | undefined = firstPath;
    while (path) {
      const current: string = path;
      const page = parse(Page(item), await this.call(tenantId, current, (request) => request.get() as Promise<unknown>));
      items.push(...page.value);
      path = page['@odata.nextLink'] === undefined ? undefined : this.relative(page['@odata.nextLink']);
    }
    return items;
  }

  /**
   * `https://graph.microsoft.com/v1.0/users?$skiptoken=...` → `/users?$skiptoken=...`, for a
   * link on our Graph origin under /v1.0/ once parsed and normalised (a string prefix let
   * `…/v1.0/https://elsewhere/…` through, which the SDK then sent elsewhere). The path handed
   * back cannot name a host: no scheme, no `//`, no backslash.
   */
  private relative(nextLink: string): string {
    const refuse = () => new ConnectorError('invalid-request', `graph: next page link outside ${this.baseUrl}/v1.0/`, { service: 'graph' });
    let link: URL;
    try {
      link = new URL(nextLink);
    } catch {
      throw refuse();
    }
    const base = new URL(`${this.baseUrl}/v1.0/`);
    if (link.origin !== base.origin || link.username || link.password || !link.pathname.startsWith(base.pathname)) throw refuse();
    const path = `/${link.pathname.slice(base.pathname.length)}${link.search}`;
    if (/:\/\/|\/\/|\\/.test(path) || /^\/[a-z][a-z0-9+.-]*:/i.test(path)) throw refuse();
    return path;
  }
}

/**
 * A refusal that the tenant's consent decides: 401 (the token is not accepted) or 403
 * Authorization_RequestDenied (a permission is missing). Other 403s, such as sign-in activity
 * on a tenant without Entra ID P1, are about the tenant's plan, not the connection.
 */
export function isGraphRefusal(error: ConnectorError): boolean {
  return error.details.status === 401 || (error.details.status === 403 && error.details.code === 'Authorization_RequestDenied');
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  return parseWire(SERVICE, schema, value);
}

function toUser(user: z.infer<typeof UserWire>): DirectoryUser {
  return {
    id: user.id,
    displayName: user.displayName ?? '',
    userPrincipalName: user.userPrincipalName ?? '',
    ...(user.mail ? { mail: user.mail } : {}),
    ...(user.usageLocation ? { usageLocation: user.usageLocation } : {}),
    ...(user.assignedLicenses ? { licenseSkuIds: user.assignedLicenses.map((l) => l.skuId) } : {}),
  };
}
