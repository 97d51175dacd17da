// OpenTelemetry through the Azure Monitor distro: requests, outgoing calls (their
// traceparent headers too), Azure SDK calls and metrics to Application Insights. Off unless
// APPLICATIONINSIGHTS_CONNECTION_STRING is set; then nothing of OpenTelemetry is even loaded.
// It must start before anything else loads (ESM modules cannot be patched afterwards), so
// the process is started with `node --import ./dist/src/telemetry-preload.js` (package.json
// "serve", the template's appCommandLine, the Dockerfile's CMD).
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';

const STARTED = Symbol.for('quartermaster.telemetry.started');
type Marked = typeof globalThis & { [STARTED]?: boolean };

/** The distro's options for this environment, or undefined when telemetry stays off. */
export function telemetryOptions(env: NodeJS.ProcessEnv): AzureMonitorOpenTelemetryOptions | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  // An unresolved Key Vault reference is refused by the configuration with a clear line; not here.
  if (!connectionString || connectionString.startsWith('@Microsoft.KeyVault(')) return undefined;
  return {
    azureMonitorExporterOptions: { connectionString },
    // Only what the app uses: HTTP both ways and the Azure SDK (storage, identity, cost management).
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  };
}

export async function startTelemetry(env: NodeJS.ProcessEnv): Promise<boolean> {
  const options = telemetryOptions(env);
  if (!options || telemetryStarted()) return telemetryStarted();
  // The loader registers the ESM hooks that let instrumentations patch modules loaded later.
  await import('@azure/monitor-opentelemetry/loader');
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor(options);
  (globalThis as Marked)[STARTED] = true;
  return true;
}

export function telemetryStarted(): boolean {
  return (globalThis as Marked)[STARTED] === true;
}

/** Sends what is still buffered (at shutdown). */
export async function flushTelemetry(): Promise<void> {
  if (!telemetryStarted()) return;
  const { shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  await shutdownAzureMonitor();
}
