// The layer rules (README, Architecture; .dependency-cruiser.cjs, run by `npm run layers`)
// fire on deliberate violations: test/fixtures/layers holds one file breaking each rule.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

const require = createRequire(import.meta.url);
const config = require(join(projectRoot, '.dependency-cruiser.cjs')) as IConfiguration;

async function violationsIn(tree: string): Promise<{ rule: string; from: string; to: string }[]> {
  const previous = process.cwd();
  process.chdir(tree); // rules name paths from the project root: ^src/...
  try {
    const result = await cruise(['src'], {
      validate: true,
      ruleSet: { forbidden: config.forbidden ?? [] },
      tsPreCompilationDeps: true,
      tsConfig: { fileName: join(projectRoot, 'tsconfig.json') },
      doNotFollow: { path: 'node_modules' },
    });
    if (typeof result.output === 'string') throw new Error(result.output);
    return result.output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  } finally {
    process.chdir(previous);
  }
}

describe('the layer rules', () => {
  it('fire on a deliberate violation of each rule, and only there', async () => {
    const found = await violationsIn(join(projectRoot, 'test/fixtures/layers'));
    expect(found.map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort()).toEqual(
      [
        'bot-talks-to-services: src/bot/reads-storage.ts → src/storage/rows.ts',
        'composition-is-the-root: src/services/builds-on-composition.ts → src/composition/feature.ts',
        'connectors-are-adapters: src/connectors/writes-storage.ts → src/storage/rows.ts',
        'domain-is-pure: src/domain/reads-storage.ts → src/storage/rows.ts',
        'notify-uses-bot-views-only: src/notify/calls-handler.ts → src/bot/handlers.ts',
        'sandbox-from-composition-root-only: src/notify/uses-sandbox.ts → src/sandbox/emulator.ts',
        'services-know-no-teams: src/services/calls-bot.ts → src/bot/handlers.ts',
        'storage-knows-no-use-cases: src/storage/calls-service.ts → src/services/use-case.ts',
      ].sort(),
    );
  });

  it('hold for the product, with no exceptions', async () => {
    expect(await violationsIn(projectRoot)).toEqual([]);
  });
});
