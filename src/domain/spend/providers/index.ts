// The cloud cost providers Quartermaster knows, by name. Adding one: its info and FOCUS
// normalisation in a file beside these, one entry below, and its I/O half in
// src/services/cost-providers (see the README, "Adding a cloud cost provider").
import { AWS_INFO } from './aws.js';
import { AZURE_INFO } from './azure.js';
import type { CostProviderInfo } from './info.js';

export type { CostProviderInfo } from './info.js';

/** Every known provider, in the order cards and messages list them. */
export const COST_PROVIDERS = [AZURE_INFO, AWS_INFO] as const satisfies readonly CostProviderInfo[];

type Known = (typeof COST_PROVIDERS)[number];
/** Connection kind of a cost provider: 'azure', 'aws'. */
export type CostProviderId = Known['id'];
/** FOCUS ServiceProviderName of a provider's rows: 'Microsoft', 'AWS'. */
export type ProviderName = Known['focusName'];

export const COST_PROVIDER_IDS: readonly CostProviderId[] = COST_PROVIDERS.map((p) => p.id);

/** The providers' own words, alphabetically ("aws", "azure"): what `spend` filters by. */
export const COST_PROVIDER_WORDS: readonly CostProviderId[] = [...COST_PROVIDER_IDS].sort();

/** Every cost connection id a card may carry, as one alternation: `azure:<scope>|aws:<12 digits>`. */
export const COST_CONNECTION_ID_PATTERN = COST_PROVIDERS.map((p) => `${p.id}:${p.connectionIdPattern}`).join('|');

export function isCostProviderId(value: unknown): value is CostProviderId {
  return COST_PROVIDERS.some((p) => p.id === value);
}

export function costProviderInfo(id: CostProviderId): CostProviderInfo & { id: CostProviderId; focusName: ProviderName } {
  return COST_PROVIDERS.find((p) => p.id === id)!;
}

/** The provider whose rows carry this FOCUS name; undefined for a name no provider writes. */
export function providerInfoByFocusName(name: string): (CostProviderInfo & { id: CostProviderId; focusName: ProviderName }) | undefined {
  return COST_PROVIDERS.find((p) => p.focusName === name);
}

/** "Azure", "AWS" for a FOCUS name; the name itself for one no provider writes. */
export function providerDisplayName(focusName: string): string {
  return providerInfoByFocusName(focusName)?.displayName ?? focusName;
}

/** A word someone typed ("amazon", "Microsoft", "azure") → the provider it names. */
export function providerByWord(word: string): (CostProviderInfo & { id: CostProviderId; focusName: ProviderName }) | undefined {
  const lower = word.trim().toLowerCase();
  return COST_PROVIDERS.find((p) => (p.chatWords as readonly string[]).includes(lower) || p.focusName.toLowerCase() === lower);
}

/** "a", "a or b", "a, b or c". */
export function listWords(words: readonly string[], conjunction: 'or' | 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** Every provider's display name in one phrase: "Azure and AWS", "Azure or AWS". */
export function providerNames(conjunction: 'or' | 'and'): string {
  return listWords(
    COST_PROVIDERS.map((p) => p.displayName),
    conjunction,
  );
}
