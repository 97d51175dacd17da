// The cost providers of an installation, from the connectors it has. Adding a provider: its
// module beside these (a CostProvider) and one line here; see the README.
import type { AwsCostPort, AzureCostPort } from '../../connectors/ports.js';
import { AwsCostProvider } from './aws.js';
import { AzureCostProvider } from './azure.js';
import type { CostProvider } from './provider.js';
import { CostProviderRegistry } from './registry.js';

export { CostProviderRegistry, type ProviderLookup } from './registry.js';
export type { CostConnection, CostProvider, DailyCostRows, SyncFailure } from './provider.js';

export interface CostProviderSources {
  /** The connectors' cost ports; a provider whose port is missing is "not available in this installation". */
  ports: { azureCost?: AzureCostPort; awsCost?: AwsCostPort };
  /** Opens a stored connection's sealed secret (ConnectionRepository.readSecret). */
  readSecret(tenantId: string, connectionId: string): Promise<string | undefined>;
  /** Named in advice: the app that reads Azure costs, the AWS principal customers' roles trust. */
  azureClientId?: string;
  awsAppPrincipalArn?: string;
}

export function createCostProviders(s: CostProviderSources): CostProviderRegistry {
  const providers: CostProvider[] = [];
  if (s.ports.azureCost)
    providers.push(new AzureCostProvider({ port: s.ports.azureCost, ...(s.azureClientId ? { clientId: s.azureClientId } : {}) }));
  if (s.ports.awsCost)
    providers.push(
      new AwsCostProvider({
        port: s.ports.awsCost,
        readSecret: s.readSecret,
        ...(s.awsAppPrincipalArn ? { appPrincipalArn: s.awsAppPrincipalArn } : {}),
      }),
    );
  return new CostProviderRegistry(providers);
}
