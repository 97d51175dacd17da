// The Graph connector (DirectoryPort) against the Graph emulator: the msal-node and Graph
// REST code paths of production, on loopback.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { respond } from '../harness/respond.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, DEFAULT_RETRY_POLICY } from '../../src/connectors/index.js';
import { GraphDirectory } from '../../src/connectors/graph/graph-directory.js';
import { createLogger } from '../../src/logger.js';
import {
  DEMO_ADMINISTRATIVE_UNITS,
  DEMO_GROUPS,
  DEMO_OFFERS,
  DEMO_TENANT_ID,
  DEMO_USERS,
  OTHER_TENANT_ID,
  OTHER_TENANT_USERS,
} from '../../src/sandbox/index.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const t = sandboxPerTest({ graphMaxPageSize: 4 });

describe('directory (Graph)', () => {
  it('reads subscribed SKUs, from which free seats follow', async () => {
    const skus = await t.directory.listSubscribedSkus(DEMO_TENANT_ID);
    const free = Object.fromEntries(skus.map((s) => [s.skuPartNumber, s.enabledUnits - s.consumedUnits]));
    // ENTERPRISEPACK: the retired Office 365 E3, listed by Graph as Deleted with no units.
    expect(free).toEqual({ SPE_E3: 5, POWER_BI_PRO: 4, VISIOCLIENT: 0, Microsoft_Teams_Premium: 2, ENTERPRISEPACK: 0 });
    expect(skus.find((s) => s.skuPartNumber === 'VISIOCLIENT')).toEqual({
      skuId: DEMO_OFFERS.visioPlan2.graphSkuId,
      skuPartNumber: 'VISIOCLIENT',
      capabilityStatus: 'Enabled',
      consumedUnits: 5,
      enabledUnits: 5,
      servicePlans: [
        { servicePlanId: '663a804f-1c30-4ff0-9915-9db84f0d1cea', servicePlanName: 'VISIO_CLIENT_SUBSCRIPTION' },
        { servicePlanId: '2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f', servicePlanName: 'VISIOONLINE' },
      ],
    });
  });

  it('lists the people of a department, a group or an administrative unit, with their licenses and disabled plans', async () => {
    const names = async (set: Parameters<typeof t.directory.listMembers>[1]) =>
      (await t.directory.listMembers(DEMO_TENANT_ID, set)).map((m) => m.displayName).sort();
    expect(await names({ kind: 'department', value: 'Retail' })).toEqual(['Adele Vance', 'Lynne Robbins']);
    expect(await names({ kind: 'department', value: "O'Brien & Co" })).toEqual([]);
    expect(await names({ kind: 'group', value: DEMO_GROUPS.licenseApprovers })).toEqual(['Megan Bowen']);
    expect(await names({ kind: 'administrativeUnit', value: DEMO_ADMINISTRATIVE_UNITS.retailStores })).toEqual([
      'Adele Vance',
      'Lynne Robbins',
    ]);
    const unknown = await rejectionOf(
      t.directory.listMembers(DEMO_TENANT_ID, { kind: 'administrativeUnit', value: '10000000-0000-0000-0000-0000000ad0ff' }),
    );
    expect(unknown).toBeInstanceOf(ConnectorError);
    expect((unknown as ConnectorError).kind).toBe('not-found');

    // Assigned without a plan: Graph keeps it in assignedLicenses[].disabledPlans and licenseDetails says Disabled.
    const powerBi = DEMO_OFFERS.powerBiPro.graphSkuId;
    await t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.isaiah.id, powerBi, ['70d33638-9c74-4d01-bfd3-562de28bd4ba']);
    const [isaiah] = await t.directory.listMembers(DEMO_TENANT_ID, { kind: 'department', value: 'Sales' });
    expect(isaiah!.licenses).toContainEqual({ skuId: powerBi, disabledPlans: ['70d33638-9c74-4d01-bfd3-562de28bd4ba'] });
    expect(isaiah!.licenses.find((l) => l.skuId === DEMO_OFFERS.m365E3.graphSkuId)).toEqual({
      skuId: DEMO_OFFERS.m365E3.graphSkuId,
      disabledPlans: [],
    });
  });

  it('gets users by id or UPN, with usage location and held licenses; undefined when unknown', async () => {
    expect(await t.directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toEqual({
      id: DEMO_USERS.alex.id,
      displayName: 'Alex Wilber',
      userPrincipalName: 'alexw@example.com',
      mail: 'alexw@example.com',
      usageLocation: 'US',
      licenseSkuIds: await t.directory.licenseSkuIds(DEMO_TENANT_ID, DEMO_USERS.alex.id),
    });
    const lynne = await t.directory.getUser(DEMO_TENANT_ID, 'lynner@example.com');
    expect(lynne?.id).toBe(DEMO_USERS.lynne.id);
    expect(lynne).not.toHaveProperty('usageLocation');
    expect(await t.directory.getUser(DEMO_TENANT_ID, 'nobody@example.com')).toBeUndefined();
  });

  it('lists every user, following @odata.nextLink across pages', async () => {
    const users = await t.directory.listUsers(DEMO_TENANT_ID);
    expect(users).toHaveLength(21);
    expect(new Set(users.map((u) => u.id)).size).toBe(21);
    // 21 users, at most 4 per page.
    expect(t.sandbox.state.countRequests({ service: 'graph', route: '/v1.0/users' })).toBe(6);
  });

  it('finds managers, and no manager for the top of the chain', async () => {
    expect((await t.directory.getManager(DEMO_TENANT_ID, DEMO_USERS.alex.id))?.id).toBe(DEMO_USERS.adele.id);
    expect((await t.directory.getManager(DEMO_TENANT_ID, DEMO_USERS.adele.id))?.id).toBe(DEMO_USERS.patti.id);
    expect(await t.directory.getManager(DEMO_TENANT_ID, DEMO_USERS.patti.id)).toBeUndefined();
  });

  it('lists group members; an unknown group is not-found', async () => {
    expect((await t.directory.listGroupMembers(DEMO_TENANT_ID, DEMO_GROUPS.licenseApprovers)).map((u) => u.displayName)).toEqual([
      'Megan Bowen',
    ]);
    const error = await rejectionOf(t.directory.listGroupMembers(DEMO_TENANT_ID, '10000000-0000-0000-0000-0000000000ff'));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe('not-found');
  });

  it('assigns a license when a seat is free', async () => {
    await t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.alex.id, DEMO_OFFERS.powerBiPro.graphSkuId);
    expect(await t.directory.licenseSkuIds(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toEqual([
      DEMO_OFFERS.m365E3.graphSkuId,
      DEMO_OFFERS.powerBiPro.graphSkuId,
    ]);
    expect(t.sandbox.state.freeSeats(DEMO_TENANT_ID, 'POWER_BI_PRO')).toBe(3);
  });

  it("maps Graph's license failures to kinds, without retrying them", async () => {
    const noLocation = await rejectionOf(t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.lynne.id, DEMO_OFFERS.powerBiPro.graphSkuId));
    expect(noLocation).toMatchObject({ kind: 'usage-location', details: { service: 'graph', status: 400, code: 'Request_BadRequest' } });
    expect(noLocation.transient).toBe(false);

    const noSeat = await rejectionOf(t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.alex.id, DEMO_OFFERS.visioPlan2.graphSkuId));
    expect(noSeat).toMatchObject({ kind: 'no-free-seat', details: { status: 400 } });

    const unknownUser = await rejectionOf(
      t.directory.assignLicense(DEMO_TENANT_ID, 'nobody@example.com', DEMO_OFFERS.powerBiPro.graphSkuId),
    );
    expect(unknownUser.kind).toBe('not-found');

    expect(t.sandbox.state.countRequests({ route: '/v1.0/users/{id}/assignLicense' })).toBe(3);
    expect(await t.directory.licenseSkuIds(DEMO_TENANT_ID, DEMO_USERS.lynne.id)).toEqual([]);
  });

  it("keeps tenants apart: a token for one tenant never reads another tenant's users", async () => {
    expect(await t.directory.getUser(DEMO_TENANT_ID, OTHER_TENANT_USERS.jordan.id)).toBeUndefined();
    expect(await t.directory.getUser(OTHER_TENANT_ID, DEMO_USERS.alex.id)).toBeUndefined();
    expect((await t.directory.getUser(OTHER_TENANT_ID, OTHER_TENANT_USERS.jordan.id))?.displayName).toBe('Jordan Reyes');
    expect((await t.directory.listUsers(OTHER_TENANT_ID)).map((u) => u.id)).toEqual([OTHER_TENANT_USERS.jordan.id]);
    expect(t.sandbox.state.countRequests({ service: 'graph', tenantId: OTHER_TENANT_ID })).toBe(3);
  });

  it('gets one token per tenant and reuses it (msal cache)', async () => {
    await t.directory.listSubscribedSkus(DEMO_TENANT_ID);
    await t.directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id);
    await t.directory.listSubscribedSkus(OTHER_TENANT_ID);
    expect(t.sandbox.state.countRequests({ service: 'login', path: `/${DEMO_TENANT_ID}/oauth2/v2.0/token` })).toBe(1);
    expect(t.sandbox.state.countRequests({ service: 'login', path: `/${OTHER_TENANT_ID}/oauth2/v2.0/token` })).toBe(1);
  });
});

describe('directory (Graph) answers no emulator switch produces', () => {
  // A stand-in origin answering fixed bodies: what the connector makes of Graph's error shape,
  // of an HTML page where JSON belongs, and of a next-page link to another host.
  const answers: Record<string, { status: number; body: string; type?: string }> = {};
  let server: Server;
  let origin = '';
  const hits: { path: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const answer = answers[(req.url ?? '').split('?')[0]!] ?? {
        status: 404,
        body: '{"error":{"code":"Request_ResourceNotFound","message":"not here"}}',
      };
      respond(res, answer.status, { 'content-type': answer.type ?? 'application/json' }, answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const directory = () =>
    new GraphDirectory({
      tokens: { getToken: async () => 'token-for-graph' },
      baseUrl: origin,
      retry: { ...DEFAULT_RETRY_POLICY, ...FAST_RETRY, retries: 1 },
      log: createLogger('silent'),
    });

  it("reads Graph's error body: its code and message, and the kind from the status", async () => {
    answers['/v1.0/users'] = {
      status: 403,
      body: '{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}',
    };
    const error = await rejectionOf(directory().listUsers(DEMO_TENANT_ID));
    expect(error).toMatchObject({ kind: 'unauthorized', details: { service: 'graph', status: 403, code: 'Authorization_RequestDenied' } });
    expect(error.message).toBe('graph: Authorization_RequestDenied: Insufficient privileges to complete the operation.');
  });

  it('an HTML page where JSON or an error belongs is unavailable (retried), with the status when there is one', async () => {
    answers['/v1.0/subscribedSkus'] = { status: 200, body: '<html>gateway</html>' };
    hits.length = 0;
    const error = await rejectionOf(directory().listSubscribedSkus(DEMO_TENANT_ID));
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect(error.message).toBe('graph: Microsoft Graph sent an answer that could not be read');
    expect(hits).toHaveLength(2);
    answers['/v1.0/subscribedSkus'] = { status: 502, body: '<html>bad gateway</html>', type: 'text/html' };
    const gateway = await rejectionOf(directory().listSubscribedSkus(DEMO_TENANT_ID));
    expect(gateway).toMatchObject({ kind: 'unavailable', details: { status: 502 } });
    expect(gateway.message).toBe('graph: 502: Microsoft Graph answered HTTP 502 without an error message');
  });

  it('never follows a next-page link to another host, so the token stays with Graph', async () => {
    answers['/v1.0/groups/g1/transitiveMembers'] = {
      status: 200,
      body: JSON.stringify({ value: [], '@odata.nextLink': 'https://graph.evil.example/v1.0/groups/g1/transitiveMembers?$skiptoken=x' }),
    };
    hits.length = 0;
    const error = await rejectionOf(directory().listGroupMembers(DEMO_TENANT_ID, 'g1'));
    expect(error).toMatchObject({ kind: 'invalid-request' });
    expect(hits).toEqual([
      {
        path: '/v1.0/groups/g1/transitiveMembers?$select=id,displayName,userPrincipalName,mail,usageLocation&$top=999',
        authorization: 'Bearer token-for-graph',
      },
    ]);
  });

  it('compares next-page links as parsed URLs: no other host hides in the path, nothing outside /v1.0/', async () => {
    // Another loopback server stands for the attacker's host: it counts connections (a TLS hello too).
    let connections = 0;
    const elsewhere = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const far = `127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
    try {
      for (const link of [
        `${origin}/v1.0/https://${far}/collect`,
        `${origin}/v1.0/http://${far}/collect`,
        `${origin}/v1.0//${far}/collect`,
        `${origin}/v1.0/..//${far}/collect`,
        `${origin}/v1.0/../beta/groups`,
        `${origin}/v1.0\\..\\collect`,
        `${origin.replace('http://', 'http://user:pw@')}/v1.0/groups/g1/transitiveMembers`,
        `${origin}.evil.example/v1.0/groups/g1/transitiveMembers`,
        'not a url',
      ]) {
        answers['/v1.0/groups/g1/transitiveMembers'] = { status: 200, body: JSON.stringify({ value: [], '@odata.nextLink': link }) };
        hits.length = 0;
        const error = await rejectionOf(directory().listGroupMembers(DEMO_TENANT_ID, 'g1'));
        expect(error, link).toMatchObject({ kind: 'invalid-request' });
        expect(hits, link).toHaveLength(1);
      }
      expect(connections).toBe(0);
      // A link on the origin under /v1.0/ is followed, query and all.
      answers['/v1.0/groups/g1/transitiveMembers'] = {
        status: 200,
        body: JSON.stringify({ value: [], '@odata.nextLink': `${origin}/v1.0/groups/g1/more?$skiptoken=abc` }),
      };
      answers['/v1.0/groups/g1/more'] = { status: 200, body: JSON.stringify({ value: [] }) };
      hits.length = 0;
      await directory().listGroupMembers(DEMO_TENANT_ID, 'g1');
      expect(hits.map((h) => h.path)).toContain('/v1.0/groups/g1/more?$skiptoken=abc');
    } finally {
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });
});
