/**
 * Static checks of the Teams app package in appPackage/ — no network, no Teams tenant.
 *
 * The manifest is validated against a copy of the official JSON schema kept in
 * test/fixtures/teams-manifest.schema.json (copied verbatim from
 * node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.30/MicrosoftTeams.schema.json).
 * When moving to a newer manifestVersion, copy the matching schema over the fixture and
 * update "$schema"/"manifestVersion" in appPackage/manifest.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { unzipSync } from 'fflate';
import { COMMANDS, type CommandScope } from '../src/bot/commands.js';
import { describeWhoMay } from '../src/domain/roles.js';
import { AppPackageError, buildAppPackage, fillManifest } from '../scripts/app-package.js';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PNG } from 'pngjs';

// ajv-formats is CommonJS; depending on the loader its default import is either the plugin
// itself or the module object carrying it as `.default`.
type AddFormats = typeof addFormatsModule.default;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

const appPackage = new URL('../appPackage/', import.meta.url);
const manifestUrl = new URL('../appPackage/manifest.json', import.meta.url);
const schemaUrl = new URL('./fixtures/teams-manifest.schema.json', import.meta.url);

/** The only placeholders the toolkit fills in for this manifest, with plausible samples. */
const SAMPLE_VALUES: Record<string, string> = {
  TEAMS_APP_ID: '3f2a6c1e-8b4d-4e7a-9c21-5d0b7e9f4a12',
  BOT_ID: 'a7c9e1f3-2b4d-4c6e-8f0a-1b3d5f7a9c2e',
  BOT_DOMAIN: 'example.azurewebsites.net',
};
const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

// Limits from the older manifest schemas that the Teams clients still render for; the
// current schema allows more (12 commands, 128-char titles) but we stay within these.
const MAX_COMMAND_TITLE = 32;
const MAX_COMMANDS_PER_LIST = 10;

interface BotCommand {
  title: string;
  description?: string;
}
interface Manifest {
  manifestVersion: string;
  icons: { color: string; outline: string };
  developer: { websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  bots?: { scopes: string[]; commandLists?: { scopes: string[]; commands: BotCommand[] }[] }[];
}

const rawManifest = readFileSync(manifestUrl, 'utf8');

function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * The manifest as the toolkit would see it after filling in the env values. Unknown
 * placeholders are left as they are; the placeholder test reports them.
 */
function resolvedManifest(): Manifest {
  const text = rawManifest.replace(PLACEHOLDER, (whole, name: string) => SAMPLE_VALUES[name] ?? whole);
  return JSON.parse(text) as Manifest;
}

function compileSchema(): ReturnType<Ajv['compile']> {
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as AnySchemaObject;
  const dialect = String(schema.$schema ?? '');
  let ajv: Ajv | Ajv2020;
  if (dialect.includes('2020-12')) {
    ajv = new Ajv2020({ allErrors: true, strict: false });
  } else {
    // The Teams schemas declare draft-04. Plain ajv (draft-07) has no draft-04 meta-schema,
    // so the declaration is dropped and the schema is compiled as draft-07. That is exact for
    // this schema because it uses none of the draft-04-only syntax (checked here) and all
    // of its $refs are local to the file.
    expect(dialect === '' || /draft-0[467]/.test(dialect), `unexpected schema dialect ${dialect}`).toBe(true);
    expect(draft04OnlySyntax(schema), 'schema uses draft-04-only syntax; use ajv-draft-04').toEqual([]);
    delete schema.$schema;
    ajv = new Ajv({ allErrors: true, strict: false });
  }
  addFormats(ajv);
  return ajv.compile(schema);
}

/**
 * Places where draft-04 and draft-07 differ: boolean exclusiveMinimum/exclusiveMaximum and
 * `id` (not `$id`) as a schema's base URI.
 */
function draft04OnlySyntax(node: unknown, path = '#'): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => draft04OnlySyntax(item, `${path}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') found.push(`${path}/${key}`);
    if (key === 'id' && typeof value === 'string') found.push(`${path}/id`);
    found.push(...draft04OnlySyntax(value, `${path}/${key}`));
  }
  return found;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

function readPng(relative: string): PNG {
  return PNG.sync.read(readFileSync(new URL(relative, appPackage)));
}

describe('Teams app manifest', () => {
  it('uses only the placeholders the toolkit provides', () => {
    const used = placeholdersIn(rawManifest);
    const unknown = used.filter((name) => !(name in SAMPLE_VALUES));
    expect(unknown, `unknown placeholders: ${unknown.join(', ')}`).toEqual([]);
    // All three are expected somewhere (app id, bot id, domain).
    expect(used.sort()).toEqual(Object.keys(SAMPLE_VALUES).sort());
  });

  it('is valid against the Teams manifest JSON schema', () => {
    const validate = compileSchema();
    const manifest = resolvedManifest();
    const valid = validate(manifest);
    expect(valid, `manifest.json has schema errors:\n${formatErrors(validate.errors)}`).toBe(true);
  });

  it('declares the same manifestVersion as the schema fixture', () => {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as {
      properties: { manifestVersion: { const?: string; enum?: string[] } };
    };
    const declared = schema.properties.manifestVersion;
    const allowed = declared.const !== undefined ? [declared.const] : (declared.enum ?? []);
    const manifest = resolvedManifest() as Manifest & { $schema?: string };
    expect(allowed).toContain(manifest.manifestVersion);
    expect(manifest.$schema).toContain(`/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
  });

  it('keeps bot command lists within the Teams limits', () => {
    const lists = (resolvedManifest().bots ?? []).flatMap((bot) => bot.commandLists ?? []);
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) {
      const where = `command list for ${list.scopes.join('/')}`;
      expect(list.commands.length, `${where} has too many commands`).toBeLessThanOrEqual(MAX_COMMANDS_PER_LIST);
      for (const command of list.commands) {
        expect(command.title.length, `${where}: title "${command.title}" is too long`).toBeLessThanOrEqual(MAX_COMMAND_TITLE);
      }
    }
  });
});

describe('Teams app icons', () => {
  it('color icon is a fully opaque 192×192 PNG', () => {
    const png = readPng(resolvedManifest().icons.color);
    expect([png.width, png.height]).toEqual([192, 192]);
    let translucent = 0;
    for (let i = 3; i < png.data.length; i += 4) if (png.data[i] !== 255) translucent++;
    expect(translucent, 'color.png must have an opaque background').toBe(0);
  });

  it('outline icon is a 32×32 PNG of only white and transparent pixels', () => {
    const png = readPng(resolvedManifest().icons.outline);
    expect([png.width, png.height]).toEqual([32, 32]);
    const offending: string[] = [];
    for (let p = 0; p < png.width * png.height; p++) {
      const [r, g, b, a] = png.data.subarray(p * 4, p * 4 + 4);
      const transparent = a === 0;
      const white = r === 255 && g === 255 && b === 255 && a === 255;
      if (!transparent && !white) offending.push(`(${p % png.width},${Math.floor(p / png.width)})=rgba(${r},${g},${b},${a})`);
    }
    expect(offending.slice(0, 10), `${offending.length} pixels are neither white nor transparent`).toEqual([]);
    // ...and there is actually a glyph on it.
    let white = 0;
    for (let i = 3; i < png.data.length; i += 4) if (png.data[i] === 255) white++;
    expect(white).toBeGreaterThan(32);
  });
});

describe('Teams app command menus', () => {
  const lists = resolvedManifest().bots![0]!.commandLists!;
  const menu = (scope: CommandScope) => lists.find((l) => l.scopes.includes(scope))?.commands ?? [];

  it('has one list for each scope the bot is in', () => {
    expect(lists.map((l) => l.scopes)).toEqual(resolvedManifest().bots![0]!.scopes.map((scope) => [scope]));
  });

  for (const scope of ['personal', 'team', 'groupChat'] as const) {
    it(`offers in ${scope} only commands used there, and every one anybody may use there`, () => {
      const offered = menu(scope).map((c) => c.title);
      const misplaced = offered.filter((title) => !COMMANDS.some((c) => c.name === title && c.scopes.includes(scope)));
      expect(misplaced, `commands offered in ${scope} that do not work there`).toEqual([]);
      const everyone = COMMANDS.filter((c) => c.roles.includes('requester') && c.scopes.includes(scope)).map((c) => c.name);
      expect(
        everyone.filter((name) => !offered.includes(name)),
        `commands everyone may use in ${scope}, missing from its menu`,
      ).toEqual([]);
      // Up to the list's limit, admins' commands of the scope fill the rest of the menu.
      const forAdmins = COMMANDS.filter((c) => !c.roles.includes('requester') && c.scopes.includes(scope)).map((c) => c.name);
      expect(offered.length).toBe(Math.min(MAX_COMMANDS_PER_LIST, everyone.length + forAdmins.length));
    });
  }

  it('says who may use a command that is not for everyone, so nobody is offered one that refuses them without warning', () => {
    for (const list of lists)
      for (const command of list.commands) {
        const spec = COMMANDS.find((c) => c.name === command.title)!;
        const who = describeWhoMay(spec.roles);
        const prefix = `${who[0]!.toUpperCase()}${who.slice(1)}: `;
        if (spec.roles.includes('requester')) expect(command.description, `"${command.title}"`).not.toMatch(/^[A-Z][^:]*: /);
        else expect(command.description?.startsWith(prefix), `"${command.title}" should start with "${prefix}"`).toBe(true);
      }
  });

  it("keeps the admins' commands in the full personal menu; a unit license admin finds 'my unit' in help", () => {
    const personal = menu('personal').map((c) => c.title);
    expect(personal).toHaveLength(MAX_COMMANDS_PER_LIST);
    expect(personal).toContain('reclaim');
    expect(personal).not.toContain('my unit');
  });

  it('offers the channel commands in teams', () => {
    expect(menu('team').map((c) => c.title)).toEqual(expect.arrayContaining(['alerts here', 'set approvals channel']));
    expect(menu('personal').map((c) => c.title)).toEqual(expect.arrayContaining(['request', 'my requests', 'approvals', 'help', 'whoami']));
  });
});

describe('Teams app links', () => {
  it('point at the privacy and terms pages the bot serves', () => {
    const { developer } = resolvedManifest();
    expect(developer.privacyUrl).toBe(`https://${SAMPLE_VALUES.BOT_DOMAIN}/privacy`);
    expect(developer.termsOfUseUrl).toBe(`https://${SAMPLE_VALUES.BOT_DOMAIN}/termsofuse`);
    // Served by src/server.ts from pages/ (test/e2e/deploy.test.ts fetches them from the built app).
    for (const page of ['privacy.html', 'termsofuse.html']) expect(existsSync(new URL(`../pages/${page}`, import.meta.url))).toBe(true);
  });
});

describe('Teams app package (npm run package)', () => {
  it('zips the manifest with its placeholders filled, and the icons', () => {
    const files = unzipSync(buildAppPackage(SAMPLE_VALUES));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifestText = new TextDecoder().decode(files['manifest.json']);
    expect(placeholdersIn(manifestText)).toEqual([]);
    expect(JSON.parse(manifestText)).toEqual(resolvedManifest());
    expect(Buffer.from(files['color.png']!).equals(readFileSync(new URL('color.png', appPackage)))).toBe(true);
    expect(Buffer.from(files['outline.png']!).equals(readFileSync(new URL('outline.png', appPackage)))).toBe(true);
  });

  it('names a missing or malformed value instead of zipping it', () => {
    const fill = (values: Record<string, string>) => () => fillManifest(rawManifest, values);
    expect(fill({ ...SAMPLE_VALUES, BOT_ID: '' })).toThrow(AppPackageError);
    expect(fill({ ...SAMPLE_VALUES, BOT_ID: '' })).toThrow(/^BOT_ID: required/);
    expect(fill({ ...SAMPLE_VALUES, BOT_DOMAIN: 'https://qm.azurewebsites.net/' })).toThrow(/^BOT_DOMAIN: .* is not a host name/);
    expect(fill({ ...SAMPLE_VALUES, TEAMS_APP_ID: 'my-app' })).toThrow(/^TEAMS_APP_ID: "my-app" is not a GUID/);
  });

  it('writes appPackage/build/appPackage.<environment>.zip from the command line', () => {
    const out = new URL('../appPackage/build/appPackage.manifesttest.zip', import.meta.url);
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--no-deprecation', 'scripts/package-app.ts', 'manifesttest'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...SAMPLE_VALUES },
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Teams app package: .*appPackage\.manifesttest\.zip \(\d+ bytes\)\n$/);
      const manifest = JSON.parse(new TextDecoder().decode(unzipSync(readFileSync(out))['manifest.json'])) as { id: string };
      expect(manifest.id).toBe(SAMPLE_VALUES.TEAMS_APP_ID);
      const refused = spawnSync(process.execPath, ['--import', 'tsx', '--no-deprecation', 'scripts/package-app.ts', 'manifesttest'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...SAMPLE_VALUES, BOT_DOMAIN: '' },
        encoding: 'utf8',
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe(
        'npm run package: BOT_DOMAIN: required (set it in env/.env.<environment> or the environment) (no env/.env.manifesttest either)\n',
      );
    } finally {
      rmSync(out, { force: true });
    }
  });
});
