// The cost providers of this installation, looked up by connection kind. A provider Quartermaster
// knows (src/domain/spend/providers) may be unavailable here (its connector is not configured):
// then it is refused in the words admins have always seen, and an unknown id is refused by name.
import {
  COST_PROVIDERS,
  costProviderInfo,
  isCostProviderId,
  type CostProviderId,
  type CostProviderInfo,
} from '../../domain/spend/providers/index.js';
import type { CostProvider } from './provider.js';

export type ProviderLookup =
  { ok: true; provider: CostProvider } | { ok: false; reason: 'unknown' | 'unavailable'; message: string; info?: CostProviderInfo };

export class CostProviderRegistry {
  private readonly byId = new Map<CostProviderId, CostProvider>();

  constructor(providers: readonly CostProvider[]) {
    for (const provider of providers) {
      if (this.byId.has(provider.info.id)) throw new Error(`cost provider "${provider.info.id}" is registered twice`);
      this.byId.set(provider.info.id, provider);
    }
  }

  /** The provider for a connection kind, or why there is none. */
  lookup(id: string): ProviderLookup {
    if (!isCostProviderId(id))
      return {
        ok: false,
        reason: 'unknown',
        message: `"${id.slice(0, 40)}" is not a cloud cost provider Quartermaster knows (known: ${COST_PROVIDERS.map((p) => p.id).join(', ')}).`,
      };
    const provider = this.byId.get(id);
    if (provider) return { ok: true, provider };
    const info = costProviderInfo(id);
    return {
      ok: false,
      reason: 'unavailable',
      info,
      message: `${info.displayName} cost connections are not available in this installation.`,
    };
  }

  /** The available providers, in the order of COST_PROVIDERS. */
  available(): CostProvider[] {
    return COST_PROVIDERS.flatMap((info) => this.byId.get(info.id) ?? []);
  }
}
