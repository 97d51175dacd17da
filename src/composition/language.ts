// Plain words: the language data files are read and checked now (a broken file stops
// start-up); the model trains in the background, and free text waits for it while commands
// work at once. Also what free text leads to: approval paths, people, product wishes.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLanguageModel } from '../bot/language-model.js';
import { loadLanguageData } from '../language/corpus.js';
import { Understander } from '../language/understand.js';
import { languageDir } from '../paths.js';
import { ApprovalPathService } from '../services/approval-paths.js';
import { PeopleService } from '../services/people.js';
import { ProductWishes } from '../services/product-wishes.js';
import type { Catalog } from './catalog.js';
import type { Licensing } from './licensing.js';
import type { Platform } from './platform.js';

export type Language = ReturnType<typeof wireLanguage>;

export function wireLanguage(p: Platform, { catalog, policies }: Catalog, { requestService, notifier }: Licensing) {
  const { log } = p;
  const languageData = loadLanguageData(languageDir);
  let understander: Understander | undefined;
  const trainingStarted = performance.now();
  const ready = Understander.train(languageData.languages, languageData.products, {
    cacheDir: join(tmpdir(), 'quartermaster-language'),
  }).then(
    (trained) => {
      understander = trained;
      log.info({ ms: Math.round(performance.now() - trainingStarted), languages: trained.languages }, 'language model trained');
    },
    (error: unknown) => log.error({ err: error }, 'language model failed to train; free text gets the plain "did not understand" card'),
  );
  return {
    /** Resolves once the model has trained (free text is understood from then on). */
    ready,
    /** What the bot's language handlers take. */
    forBot: {
      understander: () => understander,
      // The optional language model (LANGUAGE_MODEL_*): only for free text the offline model is unsure about.
      ...(p.config.languageModel && {
        model: createLanguageModel({
          config: p.config.languageModel,
          promptsDir: join(languageDir, 'prompts'),
          log: log.child({ component: 'language-model' }),
        }),
      }),
      approvalPaths: new ApprovalPathService({ catalog, policies, requests: requestService }),
      people: new PeopleService(p.connectors.directory, p.roles),
      wishes: new ProductWishes({
        audit: p.audit,
        tellAdmins: (tenantId: string, text: string, key?: string) => notifier.tellAdmins(tenantId, text, key),
        now: p.clock,
      }),
    },
  };
}
