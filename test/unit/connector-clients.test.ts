import { describe, expect, it } from 'vitest';
import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { ClaimsIdentity } from 'botframework-connector';
import { ReusingBotFrameworkAuthentication } from '../../src/bot/connector-clients.js';
import { createAdapter } from '../../src/bot/app.js';

// Authentication off (no app id), as in local mode: botbuilder then treats every request as anonymous.
const inner = () => new ConfigurationBotFrameworkAuthentication({ MicrosoftAppType: 'MultiTenant' });
const anonymous = new ClaimsIdentity([], 'anonymous');
const activity = { type: 'message', serviceUrl: 'http://127.0.0.1:9/', channelId: 'msteams' } as Activity;

describe('Bot Connector clients are built once and reused', () => {
  it('gives every turn and proactive send for one service URL the same connector client', async () => {
    const auth = new ReusingBotFrameworkAuthentication(inner());
    const fromTurn = await (await auth.authenticateRequest(activity, '')).connectorFactory!.create('http://127.0.0.1:9/', 'aud');
    const fromNextTurn = await (await auth.authenticateRequest(activity, '')).connectorFactory!.create('http://127.0.0.1:9/', 'aud');
    const proactive = await auth.createConnectorFactory(anonymous).create('http://127.0.0.1:9/', 'aud');
    expect(fromNextTurn).toBe(fromTurn);
    expect(proactive).toBe(fromTurn);
    const elsewhere = await auth.createConnectorFactory(anonymous).create('http://127.0.0.1:10/', 'aud');
    expect(elsewhere).not.toBe(fromTurn);
    expect((elsewhere as unknown as { baseUri: string }).baseUri).toBe('http://127.0.0.1:10/');
    const otherAudience = await auth.createConnectorFactory(anonymous).create('http://127.0.0.1:9/', 'other');
    expect(otherAudience).not.toBe(fromTurn);
  });

  it('reuses the user token client, and keeps a bounded number of connector clients', async () => {
    const auth = new ReusingBotFrameworkAuthentication(inner());
    expect(await auth.createUserTokenClient(anonymous)).toBe(await auth.createUserTokenClient(anonymous));
    const factory = auth.createConnectorFactory(anonymous);
    const first = await factory.create('http://127.0.0.1:1/');
    for (let port = 2; port <= 70; port++) await factory.create(`http://127.0.0.1:${port}/`);
    expect(await factory.create('http://127.0.0.1:70/')).toBe(await factory.create('http://127.0.0.1:70/'));
    expect(await factory.create('http://127.0.0.1:1/')).not.toBe(first); // let go of, built again
  });

  it('is what the bot adapter authenticates with', () => {
    const adapter = createAdapter({ appType: 'SingleTenant' });
    expect((adapter as unknown as { botFrameworkAuthentication: unknown }).botFrameworkAuthentication).toBeInstanceOf(
      ReusingBotFrameworkAuthentication,
    );
  });
});
