// Connections end to end: the real bot on Azurite, the login, Cost Management, Cost Explorer
// and STS emulators, and a "browser" that opens the card's links and presses the buttons on
// the emulator's pages. Admins connect all four kinds of account; every bad callback and
// bad card input changes nothing; secrets never show up in any table or log line.
import { testNowMs } from '../harness/clock.js';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import {
  AWS_ACCOUNTS,
  AWS_SANDBOX_KEYS,
  AWS_SANDBOX_ROLE,
  AZURE_SUBSCRIPTIONS,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  OTHER_TENANT_ID,
  SIGN_IN_ACCOUNTS,
} from '../../src/sandbox/index.js';
import { ConsentStates } from '../../src/storage/consent-states.js';
import { TABLES } from '../../src/storage/table-store.js';
import { BotHarness, besideInput, cardOf, cardText, DEMO, inputOf, type TestUser, cardActions } from '../harness/bot-harness.js';
import { openPage, submitForm, unescapeHtml } from '../sandbox/login-browser.js';

let harness: BotHarness;
/** What this test's bot logged (debug level). */
let logLines: string[] = [];
const chat = (user: TestUser) => harness.personalChat(user);

// Connections are stored state and most tests here are about what connecting changes: each
// test has a bot, tables and a sandbox of its own, and connects what it needs itself.
beforeEach(async () => {
  const lines: string[] = [];
  logLines = lines;
  const log = createLogger('debug', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  harness = await BotHarness.start({ logLevel: 'debug' }, { log });
  // The admins, whom connection notices and alerts reach (Isaiah only gets answers to what he types).
  await Promise.all([DEMO.alex, DEMO.patti].map((user) => chat(user).install()));
});
afterEach(async () => {
  await harness.stop();
});

const actionsOf = cardActions;

async function connectCard(user: TestUser = DEMO.alex) {
  // The connections card (an alert sent during the same turn may come first).
  const replies = await chat(user).say('connect');
  return cardOf(replies.find((r) => cardOf(r) && cardText(r).includes('Add AWS account')) ?? replies[0])!;
}

const linkOf = (card: unknown, title: string) => actionsOf(card).find((a) => a.type === 'Action.OpenUrl' && a.title === title)?.url;

/** A browser on the emulator's page: pick the account, press the button, land on our callback. */
async function signInThrough(
  url: string,
  account: string,
  action: 'accept' | 'cancel' | 'signin',
): Promise<{ callbackUrl: URL; status: number; html: string }> {
  const page = await openPage(url);
  expect(page.status).toBe(200);
  const pressed = await submitForm(url, page.html, { account, action });
  expect(pressed.status).toBe(302);
  const callbackUrl = new URL(pressed.headers.get('location')!);
  const landed = await openPage(callbackUrl.href);
  return { callbackUrl, status: landed.status, html: unescapeHtml(landed.html) };
}

/** Microsoft 365 admin consent, granted by the demo tenant's global admin. */
async function grantAdminConsent() {
  const landed = await signInThrough(linkOf(await connectCard(), 'Grant admin consent')!, SIGN_IN_ACCOUNTS.demoGlobalAdmin.id, 'accept');
  expect(landed.status).toBe(200);
}

/** Partner Center signed in by the integration sandbox's admin agent. */
async function signInToPartnerCenter() {
  const url = linkOf(await connectCard(), 'Sign in (integration sandbox)')!;
  const landed = await signInThrough(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id, 'signin');
  expect(landed.status).toBe(200);
}

/** Adds an AWS account with an access key; the card that answers. */
async function addAwsKey(key: { accountId: string; accessKeyId: string; secretAccessKey: string }) {
  const click = await chat(DEMO.alex).click('addAwsAccount', {
    awsAccountId: key.accountId,
    awsAuth: 'access-key',
    awsAccessKeyId: key.accessKeyId,
    awsSecretAccessKey: key.secretAccessKey,
  });
  return cardText(click.body.value);
}

const auditActions = async () => (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 500 })).items.map((e) => e.action);
const noticesTo = (user: TestUser, title: string) => harness.sentTo(user).filter((a) => cardOf(a) && cardText(a).includes(title));

describe('who may see connections', () => {
  it('answers non-admins with a refusal and sends admins in channels to their 1:1 chat', async () => {
    const [refusal] = await chat(DEMO.isaiah).say('connect');
    expect(refusal!.text).toMatch(/Only admins can see or change connections/);
    const [inChannel] = await harness.channel(DEMO.alex).say('connect');
    expect(inChannel!.text).toMatch(/1:1 chat/);
    const click = await chat(DEMO.isaiah).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.production });
    expect(click.body).toMatchObject({ statusCode: 403 });
  });

  it('shows admins every kind of connection, with single-use sign-in links to the login page', async () => {
    const card = await connectCard();
    const text = cardText(card);
    for (const title of ['Microsoft 365', 'Partner Center', 'Not connected', 'Add Azure scope', 'Add AWS account'])
      expect(text).toContain(title);
    const consent = new URL(linkOf(card, 'Grant admin consent')!);
    expect(consent.hostname).toBe('127.0.0.1');
    expect(consent.pathname).toBe('/organizations/v2.0/adminconsent');
    expect(consent.searchParams.get('redirect_uri')).toBe(`${harness.qm.url}/api/consent/callback`);
    expect(consent.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(linkOf(card, 'Sign in to Partner Center')).toMatch(/\/oauth2\/v2\.0\/authorize\?.*code_challenge_method=S256/);
    expect(linkOf(card, 'Sign in (integration sandbox)')).toBeDefined();
  });
});

describe('Microsoft 365 admin consent', () => {
  it('says Connected when Graph already accepts the app without a stored connection (local mode: the demo tenant consented from the start; issue 20, defect 7)', async () => {
    // Nothing stored, yet a request can buy and assign a seat through Graph: the card says so instead of "Not connected".
    expect(await harness.qm.connectionStore.get(DEMO_TENANT_ID, 'microsoft365')).toBeUndefined();
    const card = await connectCard();
    expect(cardText(card)).toMatch(/Microsoft 365\nConnected/);
    expect(cardText(card)).toContain('Admin consent is in place, given outside Quartermaster');
    // Recording the consent in Quartermaster stays possible.
    expect(linkOf(card, 'Grant admin consent')).toBeDefined();
  });

  it('pre-selects on the consent page an account that can consent, an administrator (demo onboarding, issue 20)', async () => {
    const page = await openPage(linkOf(await connectCard(), 'Grant admin consent')!);
    const checked = [...page.html.matchAll(/<input type="radio" name="account" value="([^"]+)" checked>/g)].map((m) => m[1]);
    expect(checked).toEqual([SIGN_IN_ACCOUNTS.demoGlobalAdmin.id]);
  });

  it('refuses consent given for another tenant and changes nothing', async () => {
    const url = linkOf(await connectCard(), 'Grant admin consent')!;
    const landed = await signInThrough(url, SIGN_IN_ACCOUNTS.otherGlobalAdmin.id, 'accept');
    expect(landed.callbackUrl.searchParams.get('tenant')).toBe(OTHER_TENANT_ID);
    expect(landed.status).toBe(400);
    expect(landed.html).toContain('Wrong tenant');
    expect(await harness.qm.connections.get(DEMO_TENANT_ID, 'microsoft365')).toBeUndefined();
  });

  it('tells the admin what to do when consent is cancelled, and shows script in the description as text', async () => {
    const url = linkOf(await connectCard(), 'Grant admin consent')!;
    const landed = await signInThrough(url, SIGN_IN_ACCOUNTS.demoGlobalAdmin.id, 'cancel');
    expect(landed.status).toBe(400);
    expect(landed.html).toContain('AADSTS65004');
    expect(landed.html).toContain('Consent was not given');
    await harness.until(async () => noticesTo(DEMO.alex, 'Consent was not given').length > 0, 'the failure notice');

    const forged = new URL(`${harness.qm.url}/api/consent/callback`);
    forged.searchParams.set('error', 'access_denied');
    forged.searchParams.set('error_description', '<script>alert("x")</script> AADSTS65004: declined');
    const page = await openPage(forged.href);
    expect(page.status).toBe(400);
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain('&lt;script&gt;');
    expect(page.contentType).toMatch(/text\/html/);
    expect(await harness.qm.connections.get(DEMO_TENANT_ID, 'microsoft365')).toBeUndefined();
  });

  it('connects after the admin accepts, tells the admin in Teams, and never takes the same link twice', async () => {
    const url = linkOf(await connectCard(), 'Grant admin consent')!;
    const landed = await signInThrough(url, SIGN_IN_ACCOUNTS.demoGlobalAdmin.id, 'accept');
    expect(landed.status).toBe(200);
    expect(landed.html).toContain('Connected');
    expect(landed.html).toContain('You can close this tab');
    await harness.until(async () => noticesTo(DEMO.alex, 'Microsoft 365 is connected').length > 0, 'the connected notice');
    expect(await harness.qm.connections.get(DEMO_TENANT_ID, 'microsoft365')).toMatchObject({
      state: 'connected',
      connectedBy: DEMO.alex.aadObjectId.toLowerCase(),
    });
    expect(await auditActions()).toContain('connection.microsoft365.connected');

    const before = (await auditActions()).length;
    const replay = await openPage(landed.callbackUrl.href);
    expect(replay.status).toBe(400);
    expect(unescapeHtml(replay.html)).toContain('already used');
    expect((await auditActions()).length).toBe(before);
    expect(cardText(await connectCard())).toMatch(/Microsoft 365\nConnected/);
  });

  it('refuses forged, expired and wrong-purpose states', async () => {
    const callback = (params: Record<string, string>) => openPage(`${harness.qm.url}/api/consent/callback?${new URLSearchParams(params)}`);
    const forged = await callback({ admin_consent: 'True', tenant: DEMO_TENANT_ID, state: 'A'.repeat(43) });
    expect(unescapeHtml(forged.html)).toContain('not made by Quartermaster');

    const states = new ConsentStates(harness.qm.store);
    const old = await states.issue(
      { tenantId: DEMO_TENANT_ID, adminObjectId: DEMO.alex.aadObjectId, purpose: 'graph-admin-consent' },
      new Date(testNowMs() - 11 * 60_000),
    );
    const expired = await callback({ admin_consent: 'True', tenant: DEMO_TENANT_ID, state: old.state });
    expect(expired.status).toBe(400);
    expect(unescapeHtml(expired.html)).toContain('expired');

    const signIn = await states.issue({
      tenantId: DEMO_TENANT_ID,
      adminObjectId: DEMO.alex.aadObjectId,
      purpose: 'partner-center-sign-in',
    });
    const wrongPurpose = await callback({ admin_consent: 'True', tenant: DEMO_TENANT_ID, state: signIn.state });
    expect(unescapeHtml(wrongPurpose.html)).toContain('another kind of connection');

    const missing = await callback({ admin_consent: 'True', tenant: DEMO_TENANT_ID });
    expect(missing.status).toBe(400);
  });
});

describe('Partner Center sign-in', () => {
  it('signs an agent in with PKCE, keeps the token sealed, and says it is the integration sandbox', async () => {
    const url = linkOf(await connectCard(), 'Sign in (integration sandbox)')!;
    const landed = await signInThrough(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id, 'signin');
    expect(landed.callbackUrl.searchParams.get('code')).toBeTruthy();
    expect(landed.status).toBe(200);
    expect(landed.html).toContain('integration sandbox');
    const connection = await harness.qm.connections.get(DEMO_TENANT_ID, 'partner-center');
    expect(connection).toMatchObject({
      state: 'connected',
      environment: 'sandbox',
      label: SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName,
      hasSecret: true,
    });
    await harness.until(async () => noticesTo(DEMO.alex, 'Partner Center is connected').length > 0, 'the connected notice');
    expect(cardText(noticesTo(DEMO.alex, 'Partner Center is connected')[0])).toContain('Integration sandbox (nothing is billed)');
    // The token works against Partner Center.
    expect(await harness.qm.connections.partnerCenterToken(DEMO_TENANT_ID)).toMatch(/^ey/);
    // The connect card says the sign-in had multi-factor authentication (Partner Center requires it).
    expect(cardText(await connectCard())).toMatch(/Multi-factor sign-in\s+checked at sign-in/);
  });

  it('buys through the agent’s sign-in and says which account on the confirmation', async () => {
    await signInToPartnerCenter();
    const prepared = await chat(DEMO.alex).click('prepareSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'add-seats',
      addSeats: 1,
    });
    expect(cardText(prepared.body.value)).toContain('Partner Center integration sandbox: nothing is billed');
  });

  it('keeps the sign-in alive weekly (the rotated token is stored), and alerts admins once when it expires', async () => {
    await signInToPartnerCenter();
    const repoSecret = () => harness.qm.connectionStore.readSecret(DEMO_TENANT_ID, 'partner-center');
    const before = await repoSecret();
    const inAWeek = new Date(testNowMs() + 8 * 24 * 3600_000);
    expect(await harness.qm.connections.keepTokensAlive(inAWeek)).toEqual({ refreshed: 1, expired: 0, failed: 0 });
    const after = await repoSecret();
    expect(after).not.toBe(before);
    // Too early for another refresh: nothing happens.
    expect(await harness.qm.connections.keepTokensAlive(new Date(inAWeek.getTime() + 24 * 3600_000))).toEqual({
      refreshed: 0,
      expired: 0,
      failed: 0,
    });

    // 91 idle days later Entra refuses the refresh token (AADSTS700082).
    harness.sandbox.state.identity.advanceDays(91);
    const later = new Date(testNowMs() + 100 * 24 * 3600_000);
    expect(await harness.qm.connections.keepTokensAlive(later)).toEqual({ refreshed: 0, expired: 1, failed: 0 });
    expect(await harness.qm.connections.keepTokensAlive(later)).toEqual({ refreshed: 0, expired: 0, failed: 0 });
    for (const admin of [DEMO.alex, DEMO.patti]) {
      await harness.until(async () => noticesTo(admin, 'Partner Center needs a new sign-in').length > 0, 'the expiry alert');
      expect(noticesTo(admin, 'Partner Center needs a new sign-in')).toHaveLength(1);
    }
    const card = await connectCard();
    expect(cardText(card)).toMatch(/Partner Center\nExpired/);
    expect(linkOf(card, 'Sign in again')).toBeDefined();
    expect(await auditActions()).toContain('connection.partner-center.expired');
    // Partner Center calls for this customer now stop with the reason instead of using other credentials.
    const [list] = await chat(DEMO.alex).say('subscriptions');
    expect(cardText(list)).toContain('An admin can see why and fix it with **connect**');
  });
});

describe('a sign-in that Partner Center no longer accepts (issue 20, defect 1)', () => {
  /**
   * `npm start` again: the bot over the same tables, with a sandbox started afresh (new signing
   * keys, no sign-ins). The stored msal cache still holds an access token of the old sandbox.
   */
  async function restartWithFreshSandbox(): Promise<BotHarness> {
    const tablePrefix = harness.config.tablePrefix;
    await harness.stop();
    harness = await BotHarness.start({ tablePrefix });
    await Promise.all([DEMO.alex, DEMO.patti].map((user) => chat(user).install()));
    return harness;
  }

  it('the first connect card after the restart says plainly that the sandbox forgot the sign-in, and offers the sandbox sign-in', async () => {
    await signInToPartnerCenter();
    // Before the restart a connection exists, and local mode still offers the sandbox sign-in.
    expect(linkOf(await connectCard(), 'Sign in (integration sandbox)')).toBeDefined();
    await restartWithFreshSandbox();
    const card = await connectCard();
    const text = cardText(card);
    expect(text).toMatch(/Partner Center\nNeeds attention/);
    expect(text).not.toMatch(/Partner Center\nConnected/);
    expect(text).toContain('its sandbox forgets sign-ins');
    expect(linkOf(card, 'Sign in (integration sandbox)')).toBeDefined();
    const landed = await signInThrough(linkOf(card, 'Sign in (integration sandbox)')!, SIGN_IN_ACCOUNTS.partnerAdminAgent.id, 'signin');
    expect(landed.status).toBe(200);
    expect(cardText(await connectCard())).toMatch(/Partner Center\nConnected/);
  });

  it('start-up in local mode checks the stored sign-ins against the fresh sandbox and logs one notice saying which to sign in again and how', async () => {
    await signInToPartnerCenter();
    await grantAdminConsent();
    // `npm start` again: the same tables, a sandbox started afresh, the check it runs at start.
    const tablePrefix = harness.config.tablePrefix;
    await harness.stop();
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    harness = await BotHarness.start({ tablePrefix }, { log, recheckConnectionsAtStart: true });
    await harness.qm.connectionsRechecked;

    const notices = lines.map((line) => JSON.parse(line)).filter((line) => /^local mode: the sandbox started afresh/.test(line.msg));
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice.level).toBe('warn');
    expect(notice.msg).toContain('1 stored connection needs signing in again');
    expect(notice.msg).toContain(`Partner Center of tenant ${DEMO_TENANT_ID}: Choose Sign in again under Partner Center`);
    expect(notice.msg).toContain('type "connect"');
    expect(notice.connections).toEqual([{ tenantId: DEMO_TENANT_ID, connection: 'Partner Center', problem: expect.any(String) }]);
    // Microsoft 365 still works with the fresh sandbox (the demo tenant's consent is part of its seed): not named.
    expect(notice.msg).not.toContain('Microsoft 365');
    // Nothing secret in what was logged.
    const sealed = (await harness.qm.connectionStore.get(DEMO_TENANT_ID, 'partner-center'))!;
    const secret = await harness.qm.connectionStore.readSecret(DEMO_TENANT_ID, 'partner-center');
    expect(secret).toBeTruthy();
    for (const line of lines) expect(line).not.toContain(String(secret).slice(0, 24));
    // The connection is marked before anyone opens the connect card, with the fix.
    expect(sealed.state).toBe('needs-attention');
    expect(sealed.problem?.fix).toContain('Sign in again');
    await Promise.all([DEMO.alex, DEMO.patti].map((user) => chat(user).install()));
    expect(cardText(await connectCard())).toMatch(/Partner Center\nNeeds attention/);
  });

  it('start-up in local mode with nothing refused logs no notice', async () => {
    await grantAdminConsent();
    const tablePrefix = harness.config.tablePrefix;
    await harness.stop();
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    harness = await BotHarness.start({ tablePrefix }, { log, recheckConnectionsAtStart: true });
    await harness.qm.connectionsRechecked;
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.filter((line) => /sandbox started afresh/.test(line.msg))).toHaveLength(0);
    expect(parsed.find((line) => /stored connections work with the sandbox/.test(line.msg))).toMatchObject({ checked: 1 });
  });

  it('Check now reads Partner Center as a purchase would, and says the sign-in must be renewed', async () => {
    await signInToPartnerCenter();
    await restartWithFreshSandbox();
    const checked = await chat(DEMO.alex).click('checkConnection', { connectionId: 'partner-center' });
    const text = cardText(checked.body.value);
    expect(text).toContain('The connection needs attention.');
    expect(text).toMatch(/Partner Center\nNeeds attention/);
    expect(text).toContain('Partner Center refused the signed-in agent');
    expect(text).toContain('its sandbox forgets sign-ins');
    expect(linkOf(checked.body.value, 'Sign in again')).toBeDefined();
    // The check records the change once (the refusal it met is not recorded a second time as a refusal on use).
    await connectCard();
    expect((await auditActions()).filter((a) => a === 'connection.partner-center.broken')).toHaveLength(1);
  });

  it('a refusal on use (the subscriptions list) marks the connection "needs attention" with the fix, and tells the admins once', async () => {
    await signInToPartnerCenter();
    await restartWithFreshSandbox();
    const [list] = await chat(DEMO.alex).say('subscriptions');
    expect(cardText(list)).toContain('An admin can see why and fix it with **connect**');
    const stored = await harness.until(async () => {
      const c = await harness.qm.connectionStore.get(DEMO_TENANT_ID, 'partner-center');
      return c?.state === 'needs-attention' ? c : undefined;
    }, 'the connection to need attention');
    expect(stored.problem).toMatchObject({ code: 'unauthorized', fix: expect.stringContaining('Sign in again') });
    expect(cardText(await connectCard())).toContain('Partner Center refused the signed-in agent');
    await chat(DEMO.alex).say('subscriptions');
    for (const admin of [DEMO.alex, DEMO.patti]) {
      await harness.until(async () => noticesTo(admin, 'Partner Center needs attention').length > 0, 'the alert');
      expect(noticesTo(admin, 'Partner Center needs attention')).toHaveLength(1);
    }

    // Signing in again (to the new sandbox) puts it right.
    const landed = await signInThrough(linkOf(await connectCard(), 'Sign in again')!, SIGN_IN_ACCOUNTS.partnerAdminAgent.id, 'signin');
    expect(landed.status).toBe(200);
    const [again] = await chat(DEMO.alex).say('subscriptions');
    expect(cardText(again)).not.toContain('fix it with **connect**');
    expect((await harness.qm.connectionStore.get(DEMO_TENANT_ID, 'partner-center'))?.state).toBe('connected');
  });
});

describe('Microsoft Graph refusing the app on use (issue 20, defect 1)', () => {
  it('a 403 for a missing permission marks Microsoft 365 "needs attention" with the fix, and tells the admins once', async () => {
    await grantAdminConsent();
    harness.sandbox.faults.graph.failNext({
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
      times: 1000,
    });
    await chat(DEMO.alex).say('subscriptions');
    const stored = await harness.until(async () => {
      const c = await harness.qm.connectionStore.get(DEMO_TENANT_ID, 'microsoft365');
      return c?.state === 'needs-attention' ? c : undefined;
    }, 'Microsoft 365 to need attention');
    expect(stored.problem).toMatchObject({ code: 'Authorization_RequestDenied', fix: expect.stringContaining('Grant admin consent') });
    harness.sandbox.faults.reset();
    const card = await connectCard();
    expect(cardText(card)).toMatch(/Microsoft 365\nNeeds attention/);
    expect(cardText(card)).toContain('Microsoft Graph refused Quartermaster');
    expect(linkOf(card, 'Grant admin consent')).toBeDefined();
    for (const admin of [DEMO.alex, DEMO.patti]) {
      await harness.until(async () => noticesTo(admin, 'Microsoft 365 needs attention').length > 0, 'the alert');
      expect(noticesTo(admin, 'Microsoft 365 needs attention')).toHaveLength(1);
    }
    expect(await auditActions()).toContain('connection.microsoft365.broken');
  });
});

describe('demo onboarding in local mode (issue 20)', () => {
  it('shows under the Azure and AWS fields the sandbox values that connect, and they do', async () => {
    const card = await connectCard();
    const azureHint = besideInput(card, 'azureScope')!;
    const awsHint = besideInput(card, 'awsAccountId')!;
    expect(azureHint.text).toContain(AZURE_SUBSCRIPTIONS.production);
    expect(awsHint.text).toContain(AWS_ACCOUNTS.main);
    expect(awsHint.text).toContain(AWS_SANDBOX_KEYS.reader.accessKeyId);
    const azure = await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.production });
    expect(cardText(azure.body.value)).toContain(`subscriptions/${AZURE_SUBSCRIPTIONS.production} is connected`);
    expect(await addAwsKey(AWS_SANDBOX_KEYS.reader)).not.toContain('Needs attention');
  });
});

describe('Azure cost scopes', () => {
  it('adds a scope the app can read, and says how to fix one it cannot', async () => {
    const ok = await chat(DEMO.alex).click('addAzureScope', { azureScope: `/subscriptions/${AZURE_SUBSCRIPTIONS.production}` });
    expect(cardText(ok.body.value)).toContain(`subscriptions/${AZURE_SUBSCRIPTIONS.production} is connected`);
    const noRole = await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.noRole });
    const text = cardText(noRole.body.value);
    expect(text).toContain('Needs attention');
    expect(text).toContain('Cost Management Reader');
    const unregistered = await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.notRegistered });
    expect(cardText(unregistered.body.value)).toMatch(/Microsoft\.CostManagement/);
  });

  it('refuses text that is not a scope and stores nothing: the form again, what was typed kept, the problem by the field', async () => {
    for (const azureScope of ['', "'; drop table --", 'subscriptions/not-a-guid']) {
      const form = (await chat(DEMO.alex).click('addAzureScope', { azureScope, azureTagKey: 'env' })).body.value;
      expect(cardText(form)).toContain('Add an Azure scope');
      expect(inputOf(form, 'azureTagKey').value).toBe('env');
      if (azureScope) expect(inputOf(form, 'azureScope').value).toBe(azureScope);
      expect(besideInput(form, 'azureScope')).toMatchObject({ color: 'Attention' });
    }
    // Longer than any scope: the card's own limit, refused as bad card data.
    expect((await chat(DEMO.alex).click('addAzureScope', { azureScope: 'x'.repeat(500) })).body).toMatchObject({ statusCode: 400 });
    const badTag = (
      await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.development, azureTagKey: '<b>env</b>' })
    ).body.value;
    expect(besideInput(badTag, 'azureTagKey')?.text).toContain('A tag to group costs by');
    expect(inputOf(badTag, 'azureScope').value).toBe(AZURE_SUBSCRIPTIONS.development);
    const ids = (await harness.qm.connectionStore.list(DEMO_TENANT_ID)).map((c) => c.id);
    expect(ids.filter((id) => id.startsWith('azure:'))).toEqual([]);
  });
});

describe('AWS accounts', () => {
  const reader = AWS_SANDBOX_KEYS.reader;

  it('adds an account with an access key, and one through a role with an external id', async () => {
    const key = await chat(DEMO.alex).click('addAwsAccount', {
      awsAccountId: AWS_ACCOUNTS.main,
      awsAuth: 'access-key',
      awsAccessKeyId: reader.accessKeyId,
      awsSecretAccessKey: reader.secretAccessKey,
    });
    expect(cardText(key.body.value)).toContain(`AWS account ${AWS_ACCOUNTS.main} is connected`);
    expect(cardText(key.body.value)).not.toContain(reader.secretAccessKey);
    const role = await chat(DEMO.alex).click('addAwsAccount', {
      awsAccountId: AWS_ACCOUNTS.roleTarget,
      awsAuth: 'assume-role',
      awsRoleArn: AWS_SANDBOX_ROLE.arn,
      awsExternalId: AWS_SANDBOX_ROLE.externalId,
    });
    expect(cardText(role.body.value)).toContain(`AWS account ${AWS_ACCOUNTS.roleTarget} is connected`);
  });

  it('says which permission to grant, and to turn Cost Explorer on', async () => {
    const noCe = AWS_SANDBOX_KEYS.noCostExplorerPermission;
    const denied = await chat(DEMO.alex).click('addAwsAccount', {
      awsAccountId: noCe.accountId,
      awsAuth: 'access-key',
      awsAccessKeyId: noCe.accessKeyId,
      awsSecretAccessKey: noCe.secretAccessKey,
    });
    expect(cardText(denied.body.value)).toContain('ce:GetCostAndUsage');
    const off = AWS_SANDBOX_KEYS.costExplorerOff;
    const unavailable = await chat(DEMO.alex).click('addAwsAccount', {
      awsAccountId: off.accountId,
      awsAuth: 'access-key',
      awsAccessKeyId: off.accessKeyId,
      awsSecretAccessKey: off.secretAccessKey,
    });
    expect(cardText(unavailable.body.value)).toMatch(/Cost Explorer/);
    expect(cardText(unavailable.body.value)).toMatch(/24 hours/);
  });

  it('checks key shapes before storing anything', async () => {
    const before = (await harness.qm.connectionStore.list(DEMO_TENANT_ID)).length;
    const bad = [
      { awsAccountId: '12345', awsAuth: 'access-key', awsAccessKeyId: reader.accessKeyId, awsSecretAccessKey: reader.secretAccessKey },
      { awsAccountId: AWS_ACCOUNTS.main, awsAuth: 'access-key', awsAccessKeyId: 'not-a-key', awsSecretAccessKey: reader.secretAccessKey },
      { awsAccountId: AWS_ACCOUNTS.main, awsAuth: 'access-key', awsAccessKeyId: reader.accessKeyId, awsSecretAccessKey: 'short' },
      {
        awsAccountId: AWS_ACCOUNTS.roleTarget,
        awsAuth: 'assume-role',
        awsRoleArn: 'arn:aws:iam::999999999999:role/Other',
        awsExternalId: 'x1',
      },
      { awsAccountId: AWS_ACCOUNTS.main, awsAuth: 'telepathy' },
    ];
    for (const data of bad.slice(0, -1)) {
      const form = (await chat(DEMO.alex).click('addAwsAccount', data)).body.value;
      expect(cardText(form), JSON.stringify(data)).toContain('Add an AWS account');
      expect(JSON.stringify(form)).not.toContain(reader.secretAccessKey);
    }
    // A choice the card does not offer: bad card data.
    expect((await chat(DEMO.alex).click('addAwsAccount', bad.at(-1)!)).body).toMatchObject({ statusCode: 400 });
    expect((await harness.qm.connectionStore.list(DEMO_TENANT_ID)).length).toBe(before);
  });

  it('a rejected key keeps what was typed (the secret excepted) and says by the field what is wrong', async () => {
    const before = (await harness.qm.connectionStore.list(DEMO_TENANT_ID)).length;
    const typed = {
      awsAccountId: AWS_ACCOUNTS.main,
      awsAuth: 'access-key',
      awsAccessKeyId: 'AKIA-not-a-key',
      awsSecretAccessKey: reader.secretAccessKey,
      awsTagKey: 'CostCenter',
    };
    const form = (await chat(DEMO.alex).click('addAwsAccount', typed)).body.value;
    expect(cardText(form)).toContain('Nothing was saved. Please fix the fields marked below.');
    expect(inputOf(form, 'awsAccountId').value).toBe(AWS_ACCOUNTS.main);
    expect(inputOf(form, 'awsAuth').value).toBe('access-key');
    expect(inputOf(form, 'awsAccessKeyId').value).toBe('AKIA-not-a-key');
    expect(inputOf(form, 'awsTagKey').value).toBe('CostCenter');
    expect(inputOf(form, 'awsSecretAccessKey').value).toBeUndefined();
    expect(JSON.stringify(form)).not.toContain(reader.secretAccessKey);
    expect(besideInput(form, 'awsAccessKeyId')).toMatchObject({ color: 'Attention', text: expect.stringContaining('AKIA followed by 16') });
    expect(cardActions(form).map((a) => a.verb)).toEqual(['addAwsAccount', 'showConnections']);
    expect((await harness.qm.connectionStore.list(DEMO_TENANT_ID)).length).toBe(before);
  });
});

describe('health and disconnect', () => {
  it('checks every connection on request and records the result', async () => {
    await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.noRole }); // one that cannot work
    const click = await chat(DEMO.alex).click('checkConnection', { connectionId: '' });
    const text = cardText(click.body.value);
    // One connection: said of that one (not "1 of 1 connection needs attention" or "All 1 connection works").
    expect(text).toContain('The connection needs attention.');
    expect(text).toContain('Last check');
    await chat(DEMO.alex).click('addAzureScope', { azureScope: AZURE_SUBSCRIPTIONS.production });
    const all = await chat(DEMO.alex).click('checkConnection', { connectionId: '' });
    expect(cardText(all.body.value)).toContain('1 of 2 connections needs attention.');
    const working = (await harness.qm.connectionStore.list(DEMO_TENANT_ID)).find((c) => c.id.endsWith(AZURE_SUBSCRIPTIONS.production))!;
    const fine = await chat(DEMO.alex).click('checkConnection', { connectionId: working.id });
    expect(cardText(fine.body.value)).toContain('The connection works.');
  });

  it('the daily check alerts admins once per broken connection, and audits the change', async () => {
    for (const azureScope of [AZURE_SUBSCRIPTIONS.noRole, AZURE_SUBSCRIPTIONS.notRegistered])
      await chat(DEMO.alex).click('addAzureScope', { azureScope });
    const first = await harness.qm.connections.checkAll();
    expect(first.broken).toBeGreaterThan(0);
    const alerts = () => noticesTo(DEMO.patti, 'needs attention').length;
    await harness.until(async () => alerts() >= first.broken, 'the broken-connection alerts');
    const sent = alerts();
    await harness.qm.connections.checkAll();
    await harness.drain();
    expect(alerts()).toBe(sent);
  });

  it('disconnects after a confirmation, deleting the secrets and keeping the audit entry', async () => {
    expect(await addAwsKey(AWS_SANDBOX_KEYS.reader)).toContain(`AWS account ${AWS_ACCOUNTS.main} is connected`);
    const id = `aws:${AWS_ACCOUNTS.main}`;
    const ask = await chat(DEMO.alex).click('askDisconnect', { connectionId: id });
    expect(cardText(ask.body.value)).toContain(`Disconnect AWS account ${AWS_ACCOUNTS.main}?`);
    expect(await harness.qm.connections.get(DEMO_TENANT_ID, id)).toBeDefined();
    const forbidden = await chat(DEMO.isaiah).click('confirmDisconnect', { connectionId: id });
    expect(forbidden.body).toMatchObject({ statusCode: 403 });
    const done = await chat(DEMO.alex).click('confirmDisconnect', { connectionId: id });
    expect(cardText(done.body.value)).toContain('is disconnected');
    expect(await harness.qm.connections.get(DEMO_TENANT_ID, id)).toBeUndefined();
    expect(await auditActions()).toContain('connection.aws.disconnected');
    const again = await chat(DEMO.alex).click('confirmDisconnect', { connectionId: id });
    expect(cardText(again.body.value)).toContain('already removed');
    const forged = await chat(DEMO.alex).click('confirmDisconnect', { connectionId: '../../etc' });
    expect(forged.body).toMatchObject({ statusCode: 400 });
  });
});

describe('secrets at rest', () => {
  it('leaves no secret or token in clear in any table or log line after the flows above', async () => {
    // The flows above that take secrets, in one bot: consent, a Partner Center sign-in and its
    // weekly refresh, AWS keys (working and refused), a role, an Azure scope, the daily check.
    const tokensInCache = async () => {
      const cache = JSON.parse((await harness.qm.connectionStore.readSecret(DEMO_TENANT_ID, 'partner-center'))!);
      return ['AccessToken', 'RefreshToken', 'IdToken'].flatMap((section) =>
        Object.values(cache[section] ?? {}).map((entry: any) => String(entry.secret)),
      );
    };
    await grantAdminConsent();
    await signInToPartnerCenter();
    const signedIn = await tokensInCache();
    expect(await harness.qm.connections.keepTokensAlive(new Date(testNowMs() + 8 * 24 * 3600_000))).toMatchObject({ refreshed: 1 });
    const refreshed = await tokensInCache();
    expect(refreshed.length).toBeGreaterThanOrEqual(2);
    const tokens = [...signedIn, ...refreshed];
    for (const key of [AWS_SANDBOX_KEYS.reader, AWS_SANDBOX_KEYS.noCostExplorerPermission, AWS_SANDBOX_KEYS.costExplorerOff])
      await addAwsKey(key);
    await chat(DEMO.alex).click('addAwsAccount', {
      awsAccountId: AWS_ACCOUNTS.roleTarget,
      awsAuth: 'assume-role',
      awsRoleArn: AWS_SANDBOX_ROLE.arn,
      awsExternalId: AWS_SANDBOX_ROLE.externalId,
    });
    await chat(DEMO.alex).click('addAzureScope', { azureScope: `/subscriptions/${AZURE_SUBSCRIPTIONS.production}` });
    await harness.qm.connections.checkAll();
    await harness.drain();

    const secrets = [
      ...tokens,
      AWS_SANDBOX_KEYS.reader.secretAccessKey,
      AWS_SANDBOX_KEYS.noCostExplorerPermission.secretAccessKey,
      AWS_SANDBOX_KEYS.costExplorerOff.secretAccessKey,
      harness.sandbox.app.clientSecret,
    ];
    let dump = '';
    for (const name of TABLES) {
      const table = await harness.qm.store.table(name);
      for await (const entity of table.listEntities()) dump += JSON.stringify(entity);
    }
    expect(dump).toContain('SealedSecret');
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      expect(dump.includes(secret), 'a table holds a secret in clear').toBe(false);
      expect(logs.includes(secret), 'a log line holds a secret').toBe(false);
    }
    // Nor in anything the bot sent to Teams.
    const sent = JSON.stringify(harness.connector.sent);
    for (const secret of secrets) expect(sent.includes(secret), 'a message holds a secret').toBe(false);
  });
});
