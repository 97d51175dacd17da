// The cost provider registry: every provider Quartermaster knows declares every capability,
// lookups refuse unknown and unconfigured providers in plain words, and the names cards and
// chat use come from the registry.
import { describe, expect, it } from 'vitest';
import type { AwsCostPort, AzureCostPort } from '../../src/connectors/ports.js';
import {
  COST_CONNECTION_ID_PATTERN,
  COST_PROVIDERS,
  providerByWord,
  providerDisplayName,
  providerNames,
} from '../../src/domain/spend/providers/index.js';
import { createCostProviders, CostProviderRegistry } from '../../src/services/cost-providers/index.js';

// Ports that must never be called here: the registry tests only look providers up and parse input.
const unused = (): never => {
  throw new Error('no call expected');
};
const azurePort = { calls: 0, dailyCost: unused, checkHealth: unused } as unknown as AzureCostPort;
const awsPort = { calls: 0, dailyCost: unused, forecast: unused, checkHealth: unused } as unknown as AwsCostPort;
const everyProvider = () => createCostProviders({ ports: { azureCost: azurePort, awsCost: awsPort }, readSecret: async () => undefined });

describe('cost provider registry', () => {
  it('has a module for every provider Quartermaster knows, each declaring every capability', () => {
    const registry = everyProvider();
    expect(registry.available().map((p) => p.info.id)).toEqual(COST_PROVIDERS.map((p) => p.id));
    for (const provider of registry.available()) {
      for (const capability of ['parseInput', 'checkHealth', 'fetchDaily', 'forecast', 'adviceFor'] as const)
        expect(typeof provider[capability], `${provider.info.id}.${capability}`).toBe('function');
      const info = provider.info;
      for (const name of ['id', 'focusName', 'displayName', 'accountNoun', 'connectionIdPattern', 'description'] as const)
        expect(info[name], `${info.id}.${name}`).toMatch(/\S/);
      expect(info.chatWords).toContain(info.id);
      expect(typeof info.ownForecast).toBe('boolean');
      expect(info.connectionTitle('x')).toContain('x');
      // Whatever a provider stores, its rows name the account the connection is for.
      const account = { label: 'acct-1', details: { accountId: 'acct-1', scope: 'subscriptions/acct-1' } };
      expect(info.owner(account).subAccountId, info.id).toBe('acct-1');
    }
  });

  it('refuses an unknown provider id by name, listing the known ones', () => {
    const found = everyProvider().lookup('gcp');
    expect(found).toEqual({
      ok: false,
      reason: 'unknown',
      message: '"gcp" is not a cloud cost provider Quartermaster knows (known: azure, aws).',
    });
  });

  it('refuses a known provider whose connector this installation lacks, in the words admins always saw', () => {
    const registry = createCostProviders({ ports: { azureCost: azurePort }, readSecret: async () => undefined });
    expect(registry.lookup('azure').ok).toBe(true);
    expect(registry.lookup('aws')).toMatchObject({
      ok: false,
      reason: 'unavailable',
      message: 'AWS cost connections are not available in this installation.',
    });
  });

  it('refuses a provider registered twice', () => {
    const [azure] = everyProvider().available();
    expect(() => new CostProviderRegistry([azure!, azure!])).toThrow(/registered twice/);
  });

  it('lets each provider parse its own card fields, refusing bad ones with a message and no secret in clear', () => {
    const registry = everyProvider();
    const azure = registry.lookup('azure');
    const aws = registry.lookup('aws');
    if (!azure.ok || !aws.ok) throw new Error('both providers are configured');
    expect(azure.provider.parseInput({ scope: '/subscriptions/00000000-0000-0000-0000-000000000001', tagKey: 'env' })).toEqual({
      ok: true,
      value: {
        id: 'azure:subscriptions/00000000-0000-0000-0000-000000000001',
        label: 'subscriptions/00000000-0000-0000-0000-000000000001',
        details: { scope: 'subscriptions/00000000-0000-0000-0000-000000000001', tagKey: 'env' },
        audit: { scope: 'subscriptions/00000000-0000-0000-0000-000000000001' },
      },
    });
    expect(azure.provider.parseInput({ scope: 'not a scope' })).toMatchObject({ ok: false });
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const parsed = aws.provider.parseInput({
      accountId: '111122223333',
      kind: 'access-key',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: secret,
    });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toMatchObject({ id: 'aws:111122223333', label: '111122223333', details: { keyHint: '…MPLE' } });
    expect(JSON.stringify({ ...parsed.value, secret: undefined })).not.toContain(secret);
    expect(parsed.value.secret).toContain(secret);
    const badTag = aws.provider.parseInput({
      accountId: '111122223333',
      kind: 'access-key',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: secret,
      tagKey: '<b>',
    });
    expect(badTag).toMatchObject({ ok: false, message: expect.stringContaining('A tag to group costs by') });
  });
});

describe('cost provider names', () => {
  it('reads the words people type and the FOCUS names rows carry', () => {
    expect(providerByWord('Amazon')?.id).toBe('aws');
    expect(providerByWord('microsoft')?.id).toBe('azure');
    expect(providerByWord('gcp')).toBeUndefined();
    expect(providerDisplayName('Microsoft')).toBe('Azure');
    expect(providerDisplayName('Oracle')).toBe('Oracle');
    expect(providerNames('and')).toBe('Azure and AWS');
  });

  it('accepts the connection ids cards carry, and nothing else', () => {
    const id = new RegExp(`^(${COST_CONNECTION_ID_PATTERN})$`);
    expect(id.test('aws:111122223333')).toBe(true);
    expect(id.test('azure:subscriptions/00000000-0000-0000-0000-000000000001')).toBe(true);
    expect(id.test('aws:1234')).toBe(false);
    expect(id.test('gcp:project')).toBe(false);
  });
});
