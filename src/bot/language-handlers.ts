// Free text: the Teams side of src/language. A message no command took is understood once
// per turn (intent, entities, the product in the tenant's catalog); each intent has a small
// handler that calls a service and answers with a card. Intents of existing commands run
// that command's handler with the command's own words, so they behave exactly alike. What is
// not understood gets the closest things the bot can do, as buttons.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isOpen } from '../domain/request.js';
import type { Role } from '../domain/roles.js';
import { INTENTS, type IntentName } from '../language/intents.js';
import { understandingFromChoice, type ModelEntities } from '../language/model-choice.js';
import type { MatchedProduct } from '../language/product-matcher.js';
import { closestIntents, type Understander, type Understanding } from '../language/understand.js';
import type { Logger } from '../logger.js';
import type { ApprovalPathService } from '../services/approval-paths.js';
import type { CatalogService } from '../services/catalog.js';
import type { PeopleService } from '../services/people.js';
import { plainWords, type ProductWishes } from '../services/product-wishes.js';
import type { RequestService } from '../services/requests.js';
import type { RoleService } from '../services/roles.js';
import type { SpendReport } from '../services/spend-report.js';
import type { StoredRequest } from '../services/requests.js';
import { personOf, tenantIdOf } from './activity.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { COMMANDS } from './commands.js';
import { approvalPathData, orList, productChoiceData, quoted, SUGGESTED_COMMAND, understoodLine } from './language-views.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './request-handlers.js';
import { requestFormData, requestLine } from './request-views.js';
import { spendSummaryCardData } from './spend-views.js';

type Handler = (context: TurnContext) => Promise<void>;

/** Intents answered by an existing command: its handler runs with these words. */
const COMMAND_TEXT: Partial<Record<IntentName, (u: Understanding) => string | undefined>> = {
  'my-requests': () => 'my requests',
  approvals: () => 'approvals',
  whoami: () => 'whoami',
  help: () => 'help',
  subscriptions: (u) => (u.product.kind === 'one' ? `subscriptions ${u.product.product.name}` : 'subscriptions'),
  reclaim: () => 'reclaim',
  'set-reclaim-days': (u) => (u.quantity === undefined ? undefined : `set reclaim days ${u.quantity}`),
  budgets: () => 'budgets',
  'budget-add': () => 'budget add',
  'alerts-here': () => 'alerts here',
  'sync-now': () => 'sync now',
  connect: () => 'connect',
  status: () => 'status',
  policies: () => 'policies',
  audit: (u) => (u.product.kind === 'one' ? `audit ${u.product.product.name}` : 'audit'),
  'set-approvals-channel': () => 'set approvals channel',
};

export interface LanguageHandlerDeps {
  cards: CardRenderer;
  /** Undefined until the model has trained (start-up trains it in the background). */
  understander: () => Understander | undefined;
  catalog: CatalogService;
  roles: RoleService;
  requests: RequestService;
  approvalPaths: ApprovalPathService;
  people: PeopleService;
  wishes: ProductWishes;
  spend: SpendReport;
  log: Logger;
  /** The handlers of the commands intents map to, by the command's name. */
  commands: Record<string, Handler>;
  /** The card of one request as this person sees it (status, who it waits for). */
  showRequest: (context: TurnContext, request: StoredRequest) => Promise<void>;
  /** Before the model is ready: the plain "Sorry, I didn't understand" card. */
  notReady: Handler;
  /** Before the model is ready: the request form from the plain parser. */
  requestFromText: Handler;
}

const Choice = z
  .object({
    productOfferId: z.string().max(200).default(''),
    quantity: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
    forWhom: z.string().max(256).optional(),
  })
  .passthrough();
const Wish = z.object({ product: z.string().min(1).max(500) }).passthrough();
const Suggestion = z.object({ intent: z.enum(INTENTS) }).passthrough();

export function languageHandlers(d: LanguageHandlerDeps) {
  const understood = new WeakMap<object, Promise<Understanding | undefined>>();

  /** What the message means, worked out once per turn (every selector below asks). */
  const understandingOf = (context: TurnContext): Promise<Understanding | undefined> => {
    const activity = context.activity;
    let pending = understood.get(activity);
    if (!pending) {
      pending = (async () => {
        const understander = d.understander();
        const tenantId = tenantIdOf(activity);
        const text = activity.text ?? '';
        if (!understander || !tenantId || activity.type !== 'message' || !text.trim()) return undefined;
        const catalog = await d.catalog.offers(tenantId).catch((error: unknown) => {
          d.log.warn({ err: error, tenantId }, 'catalog unavailable; understanding without products');
          return [];
        });
        return understander.understand(text, { ...(activity.locale && { locale: activity.locale }), catalog });
      })();
      understood.set(activity, pending);
    }
    return pending;
  };

  const is =
    (...intents: IntentName[]) =>
    async (context: TurnContext): Promise<boolean> => {
      const intent = (await understandingOf(context))?.intent;
      return intent !== undefined && intents.includes(intent);
    };

  /** Runs a command's handler as if its words had been typed. */
  const runCommand = async (context: TurnContext, text: string): Promise<void> => {
    const handler = d.commands[commandNamed(text)?.name ?? ''];
    if (!handler) return void (await context.sendActivity('Type **help** to see what I can do.'));
    context.activity.text = text;
    await handler(context);
  };

  /** The form, with the product, quantity and person understood. */
  const requestForm = async (context: TurnContext, u: Understanding | undefined, productOfferId?: string) => {
    const actor = actorOf(context);
    if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
    const person = u ? await personFor(actor.tenantId, u) : {};
    const form = await d.requests.draft(actor, '', {
      ...(productOfferId && { productOfferId }),
      ...(u?.quantity !== undefined && { quantity: u.quantity }),
      ...(person.upn && { forWhom: person.upn }),
    });
    if (person.problem) form.errors.forWhom = person.problem;
    await sendCard(context, d.cards.render('request-form', requestFormData(form)));
  };

  /** The colleague named in the message: an e-mail as typed, a name looked up in the directory. */
  const personFor = async (tenantId: string, u: Understanding): Promise<{ upn?: string; problem?: string }> => {
    const person = u.people[0];
    if (!person) return {};
    if ('email' in person) return { upn: person.email };
    const found = await d.people.findByName(tenantId, person.name).catch(() => []);
    if (found.length === 1) return { upn: found[0]!.userPrincipalName };
    // A mention's name is whatever the client sent: shown only as plain words.
    const name = plainWords(person.name).slice(0, 40);
    return {
      problem:
        found.length === 0
          ? `I can't find "${name}" in your directory: enter their e-mail address.`
          : `Several people are called "${name}": enter the e-mail address of the one you mean.`,
    };
  };

  /** The person's license requests that the named product (if any) fits, newest first. */
  const myRequestsFor = async (context: TurnContext, u: Understanding) => {
    const actor = actorOf(context);
    if (!actor) return undefined;
    const named = namedProducts(u);
    const mine = (await d.requests.mine(actor))
      .filter((r) => !r.change)
      .filter((r) => !named || named.some((p) => p.offerIds.includes(r.product.offerId) || p.name === r.product.name))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { actor, named, mine };
  };

  const answerWhoApproves = async (context: TurnContext, u: Understanding | undefined) => {
    const actor = actorOf(context);
    if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
    const answer =
      u?.product.kind === 'one'
        ? await d.approvalPaths.forOffer(actor, u.product.product.offerIds[0]!, u.quantity ?? 1)
        : await d.approvalPaths.overview(actor);
    await sendCard(context, d.cards.render('approval-path', approvalPathData(answer)));
  };

  /** `filter`: the spend command's words ("azure last month"). */
  const answerSpend = async (context: TurnContext, filter: string) => {
    const actor = actorOf(context);
    if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
    if (!(await d.roles.isAdmin(actor))) {
      const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
      return void (await context.sendActivity(
        `Cloud spend is for admins.${admins.length > 0 ? ` Ask ${orList(admins)}.` : ' Ask your IT admins.'}`,
      ));
    }
    const result = await d.spend.report(actor, filter);
    if (!result.ok) return void (await context.sendActivity(result.message));
    await sendCard(context, d.cards.render('spend-summary', spendSummaryCardData(result.summary)));
  };

  const productPhrase = (named: readonly MatchedProduct[] | undefined) => (named ? orList(named.map((p) => p.name)) : '');

  const listRequests = async (context: TurnContext, title: string, requests: StoredRequest[], cancel: boolean) => {
    await sendCard(
      context,
      d.cards.render('request-list', {
        title,
        emptyText: 'None.',
        items: requests.slice(0, 10).map((r) => ({
          ...requestLine(r),
          requestId: r.id,
          ...(cancel && (r.status === 'pending' || r.status === 'approved')
            ? { actionTitle: 'Cancel', actionVerb: 'cancelRequest' }
            : { actionTitle: 'Open', actionVerb: 'refreshRequest' }),
        })),
      }),
    );
  };

  return {
    understandingOf,
    /**
     * A language model's choice for a message the offline model was unsure about becomes this
     * turn's understanding, so the intent's handlers answer it as usual (src/bot/language-model.ts).
     */
    async adopt(context: TurnContext, choice: { intent: IntentName; entities: ModelEntities }): Promise<boolean> {
      const base = await understandingOf(context);
      const understander = d.understander();
      const tenantId = tenantIdOf(context.activity);
      if (!base || !understander || !tenantId) return false;
      const catalog = await d.catalog.offers(tenantId).catch(() => []);
      understood.set(context.activity, Promise.resolve(understandingFromChoice(base, choice, understander.matcher(catalog))));
      return true;
    },
    /** Selector: the message means one of these intents (and the model is sure). */
    intent: is,
    /** Selector: an intent an existing command answers. */
    commandIntent: is(...(Object.keys(COMMAND_TEXT) as IntentName[])),

    /** "I need Photoshop", "request adobe creative cloud", "can I get excel?". */
    async request(context: TurnContext): Promise<void> {
      const u = await understandingOf(context);
      // Before the model is ready (the first moments after start): the plain parser.
      if (!u) return d.requestFromText(context);
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const product = u.product;
      if (product.kind === 'one') return requestForm(context, u, product.product.offerIds[0]);
      if (product.kind === 'several') {
        const person = await personFor(actor.tenantId, u);
        return void (await sendCard(
          context,
          d.cards.render(
            'product-choice',
            productChoiceData(product.products, u, {
              ...(u.quantity && { quantity: u.quantity }),
              ...(person.upn && { forWhom: person.upn }),
            }),
          ),
        ));
      }
      if (product.kind === 'unknown') {
        const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
        return void (await sendCard(
          context,
          d.cards.render('product-unknown', {
            words: quoted(product.words).slice(0, 60),
            advice: `Check the spelling, or pick from the catalog. If your organisation should offer it, I can ask ${admins.length > 0 ? orList(admins) : 'your admins'} to add it.`,
            canAsk: true,
            note: '',
            noteColor: 'Default',
          }),
        ));
      }
      return requestForm(context, u);
    },

    /** "where is my Visio request?": its card (status, who it waits for). */
    async requestStatus(context: TurnContext): Promise<void> {
      const u = (await understandingOf(context))!;
      const found = await myRequestsFor(context, u);
      if (!found) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const open = found.mine.filter(isOpen);
      const pick = open.length > 0 ? open : found.mine;
      if (pick.length === 1) return d.showRequest(context, pick[0]!);
      if (pick.length === 0)
        return void (await context.sendActivity(
          found.named
            ? `You have no request for ${productPhrase(found.named)}. Type **my requests** to see all of yours.`
            : 'You have no requests yet. Tell me what you need, e.g. "I need Visio".',
        ));
      await listRequests(context, found.named ? `Your requests for ${productPhrase(found.named)}` : 'Your open requests', pick, false);
    },

    /** "cancel my visio request": a confirmation card; nothing changes before Confirm. */
    async cancelRequest(context: TurnContext): Promise<void> {
      const u = (await understandingOf(context))!;
      const found = await myRequestsFor(context, u);
      if (!found) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const cancellable = found.mine.filter((r) => r.status === 'pending' || r.status === 'approved');
      if (cancellable.length === 0)
        return void (await context.sendActivity(
          `You have no ${found.named ? `${productPhrase(found.named)} ` : ''}request that can still be cancelled. Type **my requests** to see where yours are.`,
        ));
      if (cancellable.length > 1)
        return listRequests(
          context,
          `Which request should I cancel?${found.named ? ` (${productPhrase(found.named)})` : ''}`,
          cancellable,
          true,
        );
      const request = cancellable[0]!;
      await sendCard(
        context,
        d.cards.render('request-cancel-confirm', {
          requestId: request.id,
          title: `${request.product.name} for ${request.beneficiary.name}`,
          facts: [
            { title: 'Request', value: request.id },
            { title: 'Status', value: requestLine(request).detail },
            { title: 'Quantity', value: String(request.quantity) },
          ],
        }),
      );
    },

    /** "who approves my requests?", "who approves Visio?". */
    async whoApproves(context: TurnContext): Promise<void> {
      await answerWhoApproves(context, await understandingOf(context));
    },

    /** "how much do we spend on azure": the spend card for admins; others learn whom to ask. */
    async spend(context: TurnContext): Promise<void> {
      const u = await understandingOf(context);
      await answerSpend(context, [u?.provider ?? '', u?.period ?? ''].join(' ').trim());
    },

    async greeting(context: TurnContext): Promise<void> {
      const firstName = plainWords(context.activity.from?.name ?? '').split(' ')[0];
      await context.sendActivity(
        `Hi${firstName ? ` ${firstName}` : ''}! Tell me what you need, e.g. "I need Visio", "where is my request?" or "who approves my requests?". Type **help** for everything I can do.`,
      );
    },

    async thanks(context: TurnContext): Promise<void> {
      await context.sendActivity("You're welcome! Anything else, just ask.");
    },

    /** An intent of an existing command: that command, with its own words. */
    async runIntentCommand(context: TurnContext): Promise<void> {
      const u = (await understandingOf(context))!;
      const text = u.intent && COMMAND_TEXT[u.intent]?.(u);
      if (!text)
        return void (await context.sendActivity(
          'Tell me the number of days, e.g. **set reclaim days 120** (7 to 365; licenses of people who have not signed in for that long are suggested).',
        ));
      await runCommand(context, text);
    },

    /** Not understood: what was read, and the closest things the bot can do, as buttons. */
    async fallback(context: TurnContext): Promise<void> {
      const u = await understandingOf(context);
      if (!u) return d.notReady(context);
      const roles: readonly Role[] = await d.roles.rolesOf(personOf(context.activity));
      // Only what this person may use: no admin commands for requesters.
      const allowed = (intent: IntentName) => commandNamed(SUGGESTED_COMMAND[intent])?.roles.some((role) => roles.includes(role)) ?? true;
      const suggestions = closestIntents(u, allowed).map((intent) => ({
        title: d.understander()?.suggestion(intent, u.language) ?? SUGGESTED_COMMAND[intent],
        intent,
      }));
      await sendCard(
        context,
        d.cards.render('not-understood', {
          text: quoted(context.activity.text ?? '') || '(an empty message)',
          understood: understoodLine(u),
          suggestions,
        }),
      );
    },

    /** A suggestion button of the fallback card: what that intent does, its answer as a new message. */
    async suggestion(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const parsed = Suggestion.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, 'This button is no longer supported. Type help to see what I can do.');
      const intent = parsed.data.intent;
      if (intent === 'request') await requestForm(context, undefined);
      else if (intent === 'who-approves') await answerWhoApproves(context, undefined);
      else if (intent === 'spend') await answerSpend(context, '');
      else await runCommand(context, SUGGESTED_COMMAND[intent]);
      return 'The answer is below.';
    },

    /** A product picked on the "Did you mean" card (or "Something else"): the form, pre-filled. */
    async chooseProduct(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = Choice.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, 'This card sent something I cannot use. Type "request" to start again.');
      const { productOfferId, quantity, forWhom } = parsed.data;
      const form = await d.requests.draft(actor, '', {
        ...(productOfferId && { productOfferId }),
        ...(quantity !== undefined && { quantity }),
        ...(forWhom && { forWhom }),
      });
      return replaceCard(context, d.cards.render('request-form', requestFormData(form)));
    },

    /** "Ask an admin for it": the admins are told once; the card says so. */
    async askAdmin(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = Wish.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, 'This card sent something I cannot use. Tell me again what you need.');
      const result = await d.wishes.askAdmins(actor, parsed.data.product);
      if (!result.ok) return refuseInvoke(context, result.message);
      const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
      return replaceCard(
        context,
        d.cards.render('product-unknown', {
          words: result.product,
          advice: 'Once it is in the catalog you can request it here.',
          canAsk: false,
          note: `Done: I told ${admins.length > 0 ? orList(admins) : 'your admins'} that you asked for it.`,
          noteColor: 'Good',
        }),
      );
    },
  };
}

/** The command these words start with, longest name first ("set reclaim days 90" → "set reclaim days"). */
function commandNamed(text: string): (typeof COMMANDS)[number] | undefined {
  return [...COMMANDS].sort((a, b) => b.name.length - a.name.length).find((c) => text === c.name || text.startsWith(`${c.name} `));
}

/** The products the message names (one, or the equal choices), if any. */
function namedProducts(u: Understanding): MatchedProduct[] | undefined {
  if (u.product.kind === 'one') return [u.product.product];
  if (u.product.kind === 'several') return u.product.products;
  return undefined;
}
