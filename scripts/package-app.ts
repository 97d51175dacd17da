// npm run package [-- <environment>]  (default: dev)
// Writes appPackage/build/appPackage.<environment>.zip: the Teams app package with
// TEAMS_APP_ID, BOT_ID and BOT_DOMAIN filled from the environment or env/.env.<environment>
// (which `atk provision` writes). Upload it in Teams admin center (Manage apps → Upload new
// app) or with `atk publish`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppPackageError, appPackageDir, buildAppPackage, PLACEHOLDERS } from './app-package.js';

const environment = process.argv[2] ?? 'dev';
if (!/^[\w-]+$/.test(environment)) {
  console.error(`npm run package: "${environment}" is not an environment name such as dev`);
  process.exit(1);
}
const envFile = fileURLToPath(new URL(`../env/.env.${environment}`, import.meta.url));
// Variables already set in the environment win over the file.
if (existsSync(envFile)) process.loadEnvFile(envFile);

try {
  const zip = buildAppPackage(Object.fromEntries(Object.keys(PLACEHOLDERS).map((name) => [name, process.env[name]])));
  const outDir = new URL('build/', appPackageDir);
  mkdirSync(outDir, { recursive: true });
  const out = new URL(`appPackage.${environment}.zip`, outDir);
  writeFileSync(out, zip);
  console.log(`Teams app package: ${fileURLToPath(out)} (${zip.length} bytes)`);
} catch (error) {
  if (!(error instanceof AppPackageError)) throw error;
  console.error(`npm run package: ${error.message}${existsSync(envFile) ? '' : ` (no env/.env.${environment} either)`}`);
  process.exit(1);
}
