// Child process of `npm run bench -- spend`: the Cost Management and Cost Explorer emulators
// run here, so the bench process's CPU time and peak RSS are Quartermaster's own. Prints the
// endpoints as one JSON line, then serves until it is told to stop.
import { startSandbox, type SandboxOptions } from '../src/sandbox/index.js';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
  const sandbox = await startSandbox(options);
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ urls: sandbox.urls, app: sandbox.app, partnerTenantId: sandbox.partnerTenantId, aws: { baseIdentity: sandbox.aws.baseIdentity }, today: sandbox.azureCosts.today })}\n`);
}

main().catch((error: unknown) => {
  console.error('spend bench sandbox failed:', error);
  process.exit(1);
});
