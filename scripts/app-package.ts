// The Teams app package: appPackage/manifest.json with its ${{...}} placeholders filled, and
// the two icons, in one zip (what Teams admin center and "Upload a custom app" take).
// `npm run package` (scripts/package-app.ts) writes it; test/manifest.test.ts checks it.
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';

export const appPackageDir = new URL('../appPackage/', import.meta.url);

/** The placeholders of the manifest, and what each must look like. */
export const PLACEHOLDERS = {
  TEAMS_APP_ID: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  BOT_ID: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // A host name only: the manifest adds https:// and the paths.
  BOT_DOMAIN: /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
} as const;
export type PlaceholderName = keyof typeof PLACEHOLDERS;

const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export class AppPackageError extends Error {
  override name = 'AppPackageError';
}

/** The manifest text with every placeholder filled; a missing or malformed value is named. */
export function fillManifest(text: string, values: Partial<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!(name in PLACEHOLDERS)) throw new AppPackageError(`manifest.json uses \${{${name}}}, which the package script does not know`);
    const value = values[name]?.trim();
    if (!value) throw new AppPackageError(`${name}: required (set it in env/.env.<environment> or the environment)`);
    if (!PLACEHOLDERS[name as PlaceholderName].test(value))
      throw new AppPackageError(
        `${name}: "${value}" is not ${name === 'BOT_DOMAIN' ? 'a host name such as qm.azurewebsites.net' : 'a GUID'}`,
      );
    return value;
  });
}

/** The zip: manifest.json (filled), and the icons it names. */
export function buildAppPackage(values: Partial<Record<string, string>>): Uint8Array {
  const manifestText = fillManifest(readFileSync(new URL('manifest.json', appPackageDir), 'utf8'), values);
  const manifest = JSON.parse(manifestText) as { icons: { color: string; outline: string } };
  const files: Record<string, Uint8Array> = { 'manifest.json': new TextEncoder().encode(manifestText) };
  for (const icon of [manifest.icons.color, manifest.icons.outline]) files[icon] = readFileSync(new URL(icon, appPackageDir));
  // A fixed date: the same inputs give the same zip.
  return zipSync(files, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') });
}
