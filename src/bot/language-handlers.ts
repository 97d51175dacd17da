// Free text: the Teams side of src/language. A message no command took is understood once
// per turn (intent, entities, the product in the tenant's catalog); each intent has a small
// handler that calls a service and answers with a card. Intents of existing commands run
// that command through the Surface with the command's own words, so they behave exactly alike.
// What is not understood gets the closest things the bot can do, as buttons.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isOpen, REQUEST_ID_PATTERN } from '../domain/request.js';
import type { Actor } from '../domain/roles.js';
import { INTENTS, type IntentName } from '../language/intents.js';
import type { MatchedProduct } from '../language/product-matcher.js';
import { understandingFromChoice } from '../language/model-choice.js';
import { closestIntents, type Understander, type Understanding } from '../language/understand.js';
import type { Logger } from '../logger.js';
import type { ApprovalPathService } from '../services/approval-paths.js';
import type { CatalogService } from '../services/catalog.js';
import type { PeopleService } from '../services/people.js';
import { plainWords, type ProductWishes } from '../services/product-wishes.js';
import type { RequestService, StoredRequest } from '../services/requests.js';
import type { SpendReport } from '../services/spend-report.js';
import { tenantIdOf } from './activity.js';
import type { CardRenderer } from './cards.js';
import { COMMANDS, selects } from './commands.js';
import { notUnderstood } from './handlers.js';
import { approvalPathData, orList, productChoiceData, quoted, SUGGESTED_COMMAND, understoodLine } from './language-views.js';
import type { LanguageModel } from './language-model.js';
import { UNKNOWN_ACTOR } from './replies.js';
import { requestCardFor, requestFormFromText } from './request-handlers.js';
import { requestFormData, requestLine } from './request-views.js';
import { spendSummaryCardData } from './spend-views.js';
import {
  card,
  refusal,
  refuse,
  sendAsMessage,
  text,
  type ActionTurn,
  type CommandTurn,
  type Reply,
  type Surface,
  type Turn,
} from './surface.js';

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

export interface LanguageFeatureDeps {
  cards: CardRenderer;
  /** Undefined until the model has trained (start-up trains it in the background). */
  understander: () => Understander | undefined;
  catalog: CatalogService;
  requests: RequestService;
  approvalPaths: ApprovalPathService;
  people: PeopleService;
  wishes: ProductWishes;
  spend: SpendReport;
  /** The optional language model (LANGUAGE_MODEL_*): reads messages the offline model is unsure about. */
  model?: LanguageModel;
  log: Logger;
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
/** Cancel on a list in words: the request, and the ids the list showed (at most 10). */
const ListedRequest = z.object({ requestId: z.string().regex(REQUEST_ID_PATTERN), listed: z.string().max(300).default('') }).passthrough();

export function languageFeature(surface: Surface, d: LanguageFeatureDeps): void {
  const understood = new WeakMap<object, Promise<Understanding | undefined>>();

  /** What the message means, worked out once per turn (every selector below asks). */
  const understandingOf = (context: TurnContext): Promise<Understanding | undefined> => {
    const activity = context.activity;
    let pending = understood.get(activity);
    if (!pending) {
      pending = (async () => {
        const understander = d.understander();
        const tenantId = tenantIdOf(activity);
        const typed = activity.text ?? '';
        if (!understander || !tenantId || activity.type !== 'message' || !typed.trim()) return undefined;
        const catalog = await d.catalog.offers(tenantId).catch((error: unknown) => {
          d.log.warn({ err: error, tenantId }, 'catalog unavailable; understanding without products');
          return [];
        });
        return understander.understand(typed, { ...(activity.locale && { locale: activity.locale }), catalog });
      })();
      understood.set(activity, pending);
    }
    return pending;
  };

  /** Selector: the message means one of these intents (and the model is sure). */
  const is =
    (...intents: IntentName[]) =>
    async (context: TurnContext): Promise<boolean> => {
      const intent = (await understandingOf(context))?.intent;
      return intent !== undefined && intents.includes(intent);
    };

  /** A command's answer, as if its words had been typed. */
  const asCommand = async (context: TurnContext, words: string): Promise<Reply> =>
    (await surface.commandReply(context, words)) ?? text('Type **help** to see what I can do.');

  /** The form, with the product, quantity and person understood. */
  const requestForm = async (actor: Actor, u: Understanding | undefined, productOfferId?: string) => {
    const person = u ? await personFor(actor.tenantId, u) : {};
    const form = await d.requests.draft(actor, '', {
      ...(productOfferId && { productOfferId }),
      ...(u?.quantity !== undefined && { quantity: u.quantity }),
      ...(person.upn && { forWhom: person.upn }),
    });
    if (person.problem) form.errors.forWhom = person.problem;
    return card(d.cards.render('request-form', requestFormData(form)));
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
  const myRequestsFor = async (actor: Actor, u: Understanding) => {
    const named = namedProducts(u);
    const mine = (await d.requests.mine(actor))
      .filter((r) => !r.change)
      .filter((r) => !named || named.some((p) => p.offerIds.includes(r.product.offerId) || p.name === r.product.name))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { named, mine };
  };

  const answerWhoApproves = async (actor: Actor, u: Understanding | undefined) => {
    const answer =
      u?.product.kind === 'one'
        ? await d.approvalPaths.forOffer(actor, u.product.product.offerIds[0]!, u.quantity ?? 1)
        : await d.approvalPaths.overview(actor);
    return card(d.cards.render('approval-path', approvalPathData(answer)));
  };

  /** `filter`: the spend command's words ("azure last month"); people who are no admins learn whom to ask. */
  const answerSpend = async ({ actor, roles }: Turn, filter: string) => {
    if (!(await roles()).includes('admin')) {
      const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
      return text(`Cloud spend is for admins.${admins.length > 0 ? ` Ask ${orList(admins)}.` : ' Ask your IT admins.'}`);
    }
    const result = await d.spend.report(actor, filter);
    return result.ok ? card(d.cards.render('spend-summary', spendSummaryCardData(result.summary))) : refusal(result);
  };

  const productPhrase = (named: readonly MatchedProduct[] | undefined) => (named ? orList(named.map((p) => p.name)) : '');

  const requestList = (title: string, requests: StoredRequest[], cancel: boolean, note?: { text: string; color: 'Good' | 'Warning' }) => {
    const shown = requests.slice(0, 10);
    return card(
      d.cards.render('request-list', {
        title,
        emptyText: 'None.',
        note: note?.text ?? '',
        noteColor: note?.color ?? 'Default',
        listed: cancel ? shown.map((r) => r.id).join(' ') : '',
        items: shown.map((r) => ({
          ...requestLine(r),
          requestId: r.id,
          ...(!cancel
            ? { actionTitle: 'Open', actionVerb: 'refreshRequest' }
            : r.status === 'pending' || r.status === 'approved'
              ? { actionTitle: 'Cancel', actionVerb: 'cancelFromListInWords' }
              : { actionTitle: '', actionVerb: '' }),
        })),
      }),
    );
  };

  /** The cancel list's title names the products of the requests it shows, the same before and after a Cancel. */
  const cancelListTitle = (shown: readonly StoredRequest[]) => {
    const names = [...new Set(shown.map((r) => r.product.name))].sort();
    return `Which request should I cancel?${names.length > 0 ? ` (${orList(names)})` : ''}`;
  };

  /**
   * Cancel on "Which request should I cancel?": the same list stays, updated in place, with the
   * outcome on top (as Cancel in "my requests" does). The list is the person's own requests
   * among the ids the card carries; a forged id shows nothing of anyone else's.
   */
  const cancelFromListInWords = async (turn: ActionTurn<z.infer<typeof ListedRequest>>) => {
    const result = await d.requests.cancel(turn.actor, turn.data.requestId);
    if (!result.ok && !result.request) return refusal(result);
    const listed = new Set([...turn.data.listed.split(' ').filter(Boolean), turn.data.requestId]);
    const shown = (await d.requests.mine(turn.actor))
      .filter((r) => listed.has(r.id))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return requestList(
      cancelListTitle(shown),
      shown,
      true,
      result.ok
        ? { text: `Cancelled ${result.request.product.name} (${result.request.id}).`, color: 'Good' }
        : { text: result.message, color: 'Warning' },
    );
  };

  /** "I need Photoshop", "request adobe creative cloud", "can I get excel?". */
  const request = async ({ context, actor }: CommandTurn): Promise<Reply> => {
    const u = await understandingOf(context);
    // Before the model is ready (the first moments after start): the plain parser.
    if (!u) return requestFormFromText(d, actor, context.activity.text ?? '');
    const product = u.product;
    if (product.kind === 'one') return requestForm(actor, u, product.product.offerIds[0]);
    if (product.kind === 'several') {
      const person = await personFor(actor.tenantId, u);
      const choice = productChoiceData(product.products, u, {
        ...(u.quantity && { quantity: u.quantity }),
        ...(person.upn && { forWhom: person.upn }),
      });
      return card(d.cards.render('product-choice', choice));
    }
    if (product.kind === 'unknown') {
      const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
      return card(
        d.cards.render('product-unknown', {
          words: quoted(product.words).slice(0, 60),
          advice: `Check the spelling, or pick from the catalog. If your organisation should offer it, I can ask ${admins.length > 0 ? orList(admins) : 'your admins'} to add it.`,
          canAsk: true,
          note: '',
          noteColor: 'Default',
        }),
      );
    }
    return requestForm(actor, u);
  };

  /** "where is my Visio request?": its card (status, who it waits for). */
  const requestStatus = async (turn: CommandTurn): Promise<Reply> => {
    const found = await myRequestsFor(turn.actor, (await understandingOf(turn.context))!);
    const open = found.mine.filter(isOpen);
    const pick = open.length > 0 ? open : found.mine;
    if (pick.length === 1) return card(await requestCardFor(d, turn, pick[0]!));
    if (pick.length === 0)
      return text(
        found.named
          ? `You have no request for ${productPhrase(found.named)}. Type **my requests** to see all of yours.`
          : 'You have no requests yet. Tell me what you need, e.g. "I need Visio".',
      );
    return requestList(found.named ? `Your requests for ${productPhrase(found.named)}` : 'Your open requests', pick, false);
  };

  /** "cancel my visio request": a confirmation card; nothing changes before Confirm. */
  const cancelRequest = async ({ context, actor }: CommandTurn): Promise<Reply> => {
    const found = await myRequestsFor(actor, (await understandingOf(context))!);
    const cancellable = found.mine.filter((r) => r.status === 'pending' || r.status === 'approved');
    if (cancellable.length === 0)
      return text(
        `You have no ${found.named ? `${productPhrase(found.named)} ` : ''}request that can still be cancelled. Type **my requests** to see where yours are.`,
      );
    if (cancellable.length > 1) return requestList(cancelListTitle(cancellable.slice(0, 10)), cancellable, true);
    const chosen = cancellable[0]!;
    return card(
      d.cards.render('request-cancel-confirm', {
        requestId: chosen.id,
        title: `${chosen.product.name} for ${chosen.beneficiary.name}`,
        facts: [
          { title: 'Request', value: chosen.id },
          { title: 'Status', value: requestLine(chosen).detail },
          { title: 'Quantity', value: String(chosen.quantity) },
        ],
      }),
    );
  };

  /** "who approves my requests?", "who approves Visio?". */
  const whoApproves = async ({ context, actor }: CommandTurn) => answerWhoApproves(actor, await understandingOf(context));

  /** "how much do we spend on azure": the spend card for admins; others learn whom to ask. */
  const spend = async (turn: CommandTurn) => {
    const u = await understandingOf(turn.context);
    return answerSpend(turn, [u?.provider ?? '', u?.period ?? ''].join(' ').trim());
  };

  const greeting = async ({ context }: CommandTurn<Actor | undefined>) => {
    const firstName = plainWords(context.activity.from?.name ?? '').split(' ')[0];
    return text(
      `Hi${firstName ? ` ${firstName}` : ''}! Tell me what you need, e.g. "I need Visio", "where is my request?" or "who approves my requests?". Type **help** for everything I can do.`,
    );
  };

  const thanks = async () => text("You're welcome! Anything else, just ask.");

  /** An intent of an existing command: that command, with its own words. */
  const runIntentCommand = async ({ context }: CommandTurn<Actor | undefined>): Promise<Reply> => {
    const u = (await understandingOf(context))!;
    const words = u.intent && COMMAND_TEXT[u.intent]?.(u);
    if (!words)
      return text(
        'Tell me the number of days, e.g. **set reclaim days 120** (7 to 365; licenses of people who have not signed in for that long are suggested).',
      );
    return asCommand(context, words);
  };

  /**
   * With a language model configured, a message the offline model read but was unsure about goes
   * to it; its choice becomes this turn's understanding and runs that intent's own handler, with
   * the same cards and checks. Undefined: no model, no choice (the fallback card answers).
   */
  const modelReading = async (turn: CommandTurn<Actor | undefined>): Promise<Reply | undefined> => {
    const { context, actor } = turn;
    const u = await understandingOf(context);
    const understander = d.understander();
    const tenantId = tenantIdOf(context.activity);
    if (!d.model || !u || u.intent || !u.text.trim() || !understander || !tenantId) return undefined;
    const outcome = await d.model.read(context, u.text);
    if (outcome.kind !== 'chosen') return undefined;
    const catalog = await d.catalog.offers(tenantId).catch(() => []);
    understood.set(context.activity, Promise.resolve(understandingFromChoice(u, outcome, understander.matcher(catalog))));
    if (outcome.intent === 'greeting') return greeting(turn);
    if (outcome.intent === 'thanks') return thanks();
    const ownHandler = { request, 'request-status': requestStatus, 'cancel-request': cancelRequest, 'who-approves': whoApproves, spend }[
      outcome.intent as 'request'
    ] as ((turn: CommandTurn) => Promise<Reply>) | undefined;
    if (!ownHandler) return runIntentCommand(turn);
    return actor ? ownHandler({ ...turn, actor }) : refuse('invalid', UNKNOWN_ACTOR);
  };

  /** Not understood: what was read, and the closest things the bot can do, as buttons (anyone, identified or not). */
  const fallback = async (turn: CommandTurn<Actor | undefined>): Promise<Reply> => {
    const { context } = turn;
    const read = await modelReading(turn);
    if (read) return read;
    const u = await understandingOf(context);
    if (!u) return notUnderstood(d.cards, context.activity.text);
    const roles = await turn.roles();
    // Only what this person may use: no admin commands for requesters.
    const allowed = (intent: IntentName) => commandNamed(SUGGESTED_COMMAND[intent])?.roles.some((role) => roles.includes(role)) ?? true;
    const suggestions = closestIntents(u, allowed).map((intent) => ({
      title: d.understander()?.suggestion(intent, u.language) ?? SUGGESTED_COMMAND[intent],
      intent,
    }));
    return card(
      d.cards.render('not-understood', {
        text: quoted(context.activity.text ?? '') || '(an empty message)',
        understood: understoodLine(u),
        suggestions,
      }),
    );
  };

  /** A suggestion button of the fallback card: what that intent does, its answer as a new message. */
  const suggestion = async (turn: ActionTurn<z.infer<typeof Suggestion>, Actor | undefined>): Promise<Reply> => {
    const { context, actor } = turn;
    const intent = turn.data.intent;
    const needsActor = intent === 'request' || intent === 'who-approves' || intent === 'spend';
    if (needsActor && !actor) return refuse('invalid', UNKNOWN_ACTOR);
    const answer =
      intent === 'request'
        ? await requestForm(actor!, undefined)
        : intent === 'who-approves'
          ? await answerWhoApproves(actor!, undefined)
          : intent === 'spend'
            ? await answerSpend({ ...turn, actor: actor! }, '')
            : await asCommand(context, SUGGESTED_COMMAND[intent]);
    await sendAsMessage(context, answer);
    return text('The answer is below.');
  };

  /** A product picked on the "Did you mean" card (or "Something else"): the form, pre-filled. */
  const chooseProduct = async ({ actor, data }: ActionTurn<z.infer<typeof Choice>>) => {
    const { productOfferId, quantity, forWhom } = data;
    const form = await d.requests.draft(actor, '', {
      ...(productOfferId && { productOfferId }),
      ...(quantity !== undefined && { quantity }),
      ...(forWhom && { forWhom }),
    });
    return card(d.cards.render('request-form', requestFormData(form)));
  };

  /** "Ask an admin for it": the admins are told once; the card says so. */
  const askAdmin = async ({ actor, data }: ActionTurn<z.infer<typeof Wish>>) => {
    const result = await d.wishes.askAdmins(actor, data.product);
    if (!result.ok) return refusal(result);
    const admins = await d.people.adminNames(actor.tenantId).catch(() => []);
    return card(
      d.cards.render('product-unknown', {
        words: result.value.product,
        advice: 'Once it is in the catalog you can request it here.',
        canAsk: false,
        note: `Done: I told ${admins.length > 0 ? orList(admins) : 'your admins'} that you asked for it.`,
        noteColor: 'Good',
      }),
    );
  };

  const BAD_CHOICE = 'This card sent something I cannot use. Type "request" to start again.';
  const BAD_WISH = 'This card sent something I cannot use. Tell me again what you need.';
  const BAD_LIST = 'This card sent something I cannot use. Type "my requests" to see yours.';
  const BAD_SUGGESTION = 'This button is no longer supported. Type help to see what I can do.';
  surface.command({ name: 'request', run: request }); // "request adobe creative cloud": the forgiving product match
  surface.action({ verb: 'chooseProduct', schema: Choice, badData: BAD_CHOICE, run: chooseProduct });
  surface.action({ verb: 'askAdminForProduct', schema: Wish, badData: BAD_WISH, run: askAdmin });
  surface.action({ verb: 'cancelFromListInWords', schema: ListedRequest, badData: BAD_LIST, run: cancelFromListInWords });
  surface.action({ verb: 'suggestion', schema: Suggestion, badData: BAD_SUGGESTION, anonymous: true, run: suggestion });
  // Free text, after every command: understood once (src/language); each intent has its handler.
  surface.text({ name: 'request', matches: is('request'), run: request }); // "I need Photoshop", "can I get excel?"
  surface.text({ name: 'request status', matches: is('request-status'), run: requestStatus }); // "where is my Visio request?"
  surface.text({ name: 'cancel request', matches: is('cancel-request'), run: cancelRequest }); // "cancel my visio request"
  surface.text({ name: 'who approves', matches: is('who-approves'), run: whoApproves }); // "who approves my requests?"
  surface.text({ name: 'spend', matches: is('spend'), run: spend }); // "how much do we spend on azure"
  surface.text({ name: 'greeting', matches: is('greeting'), anonymous: true, run: greeting });
  surface.text({ name: 'thanks', matches: is('thanks'), anonymous: true, run: thanks });
  // "show our subscriptions": the command itself.
  const commandIntents = Object.keys(COMMAND_TEXT) as IntentName[];
  surface.text({ name: 'a command in words', matches: is(...commandIntents), anonymous: true, run: runIntentCommand });
  surface.otherwise({ message: fallback }); // the closest things I can do, as buttons
}

/** The command these words start with, longest name first ("set reclaim days 90" → "set reclaim days"). */
function commandNamed(text: string): (typeof COMMANDS)[number] | undefined {
  return [...COMMANDS].sort((a, b) => b.name.length - a.name.length).find((c) => selects(text, c.name));
}

/** The products the message names (one, or the equal choices), if any. */
function namedProducts(u: Understanding): MatchedProduct[] | undefined {
  if (u.product.kind === 'one') return [u.product.product];
  if (u.product.kind === 'several') return u.product.products;
  return undefined;
}
