// The Teams surface's one registry. Every command, card action and free-text handler is
// registered here once, with who may use it and what its card data must look like; the
// teams-ai routes, the help card and the fuzz test's list of verbs are all built from it.
// Commands are declared in COMMANDS (commands.ts: usage, roles, where they are used, which the
// Teams manifest and the logs read too); a command registered without a declaration, or
// declared without a handler, stops the bot at start-up.
//
// One wrapper answers for every handler: who is acting (no Entra identity: one refusal), the
// declared roles (an early refusal in the feature's words; the service checks again and has
// the last word), the card data against its schema, then the handler's one Reply turned into
// what Teams expects: a message for a command, the clicked card replaced for an action, or an
// error invoke response (403 when forbidden, 500 when an outside service is down, 400 for any
// other refusal).
import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { Application, ConversationUpdateEvents } from '@microsoft/teams-ai';
import type { ZodType, ZodTypeDef } from 'zod';
import { describeWhoMay, type Actor, type Person, type Role } from '../domain/roles.js';
import type { Outcome, Refusal, Refused } from '../services/outcome.js';
import { actorOf, personOf } from './activity.js';
import type { AdaptiveCard, HelpGroup } from './cards.js';
import {
  COMMANDS,
  HELP_GROUPS,
  commandArgument,
  matchesCommand,
  namesOverlap,
  normalized,
  selects,
  type DeclaredCommand,
} from './commands.js';
import { isCardAction, refuseInvoke, replaceCard, sendCard, sendInvokeMessage, UNKNOWN_ACTOR } from './replies.js';
import type { QuartermasterTurnState } from './turn-state.js';

/** What a handler answers: a card, a text, or a refusal. */
export type Reply =
  { kind: 'card'; card: AdaptiveCard } | { kind: 'text'; text: string } | { kind: 'refused'; reason: Refusal; message: string };

export const card = (card: AdaptiveCard): { kind: 'card'; card: AdaptiveCard } => ({ kind: 'card', card });
export const text = (text: string): { kind: 'text'; text: string } => ({ kind: 'text', text });
export const refuse = (reason: Refusal, message: string): { kind: 'refused'; reason: Refusal; message: string } => ({
  kind: 'refused',
  reason,
  message,
});
/** A service's refusal, as the reply. */
export const refusal = (outcome: Refused) => refuse(outcome.reason, outcome.message);

/** The reply to a service's outcome: `then` of what was done, or the refusal as the service worded it. */
export async function answer<T, R extends Reply>(
  outcome: Outcome<T>,
  then: (value: T, message: string) => R | Promise<R>,
): Promise<R | ReturnType<typeof refusal>> {
  return outcome.ok ? then(outcome.value, outcome.message) : refusal(outcome);
}

/** A reply as a message in the conversation (a command's answer; also a click's answer posted below the card). */
export async function sendAsMessage(context: TurnContext, reply: Reply): Promise<void> {
  if (reply.kind === 'card') await sendCard(context, reply.card);
  else await context.sendActivity(reply.kind === 'text' ? reply.text : reply.message);
}

/** The role of admin-only commands and actions. */
export const ADMINS: readonly Role[] = ['admin'];

/** The actor a handler sees: identified, or possibly not for handlers marked `anonymous`. */
type ActorFor<Anonymous extends boolean> = Anonymous extends true ? Actor | undefined : Actor;

export interface Turn<A = Actor> {
  context: TurnContext;
  actor: A;
  /** The tenant, and the Entra object id when the chat gave one. */
  person: Person;
  /** The person's roles, looked up once per turn when asked. */
  roles(): Promise<Role[]>;
  /** Partner mode: the linked customer a partner admin's click acts for (its company name), so that cards can name it. */
  customerName?: string;
}

export interface CommandTurn<A = Actor> extends Turn<A> {
  /** What follows the command's name ("subscriptions visio" → "visio"); the whole text for free text. */
  argument: string;
}

export interface ActionTurn<D, A = Actor> extends Turn<A> {
  data: D;
}

interface Access<Anonymous extends boolean> {
  /** Who may use it; everyone in the tenant when absent. A command's come from its declaration. */
  roles?: readonly Role[];
  /** What someone without those roles is told; the service's own words where it has them. */
  refusal?: string;
  /** Runs without an identified actor (help, whoami): `actor` may be undefined. */
  anonymous?: Anonymous;
}

export interface CommandSpec<Anonymous extends boolean = false> extends Omit<Access<Anonymous>, 'roles'> {
  /** A name declared in COMMANDS: "my requests" matches "/My Requests" and "my requests please". */
  name: string;
  run(turn: CommandTurn<ActorFor<Anonymous>>): Promise<Reply>;
}

export interface ActionSpec<D, Anonymous extends boolean = false> extends Access<Anonymous> {
  /** The Action.Execute verb the cards carry. */
  verb: string;
  /** What the card must send (cards can be forged); without one the handler reads no data. */
  schema?: ZodType<D, ZodTypeDef, any>;
  /** What a click with data the schema refuses is told. */
  badData?: string;
  run(turn: ActionTurn<D, ActorFor<Anonymous>>): Promise<Reply>;
}

export interface TextSpec<Anonymous extends boolean = false> extends Access<Anonymous> {
  /** For readers: what kind of text this takes. */
  name: string;
  /** Whether this handler takes the message; asked in registration order, after every command. */
  matches(context: TurnContext): Promise<boolean>;
  run(turn: CommandTurn<ActorFor<Anonymous>>): Promise<Reply>;
}

type Handler = (context: TurnContext) => Promise<void>;
/** Partner mode: the actor a partner admin's click acts as in a customer's tenant, or the refusal. */
export type ActingFor = (actor: Actor, customerTenantId: string, verb: string) => Promise<Outcome<Actor & { customerName: string }>>;

const NOT_YOUR_TENANT = 'This card acts in another tenant, which you cannot reach. Nothing was done.';
/** What a tenant id on a card may look like; anything else is refused before any look-up. */
const TENANT_ID = /^[0-9A-Za-z-]{1,64}$/;

/** The customer tenant a click acts in: undefined when none is named, '' (refused later) when malformed. */
function onBehalfOfIn(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('onBehalfOf' in raw)) return undefined;
  const value = (raw as { onBehalfOf: unknown }).onBehalfOf;
  return typeof value === 'string' && TENANT_ID.test(value) ? value : '-';
}

/** The card with `onBehalfOf` in every Action.Execute's data (buttons, and those inside shown cards). */
export function stampOnBehalfOf(value: AdaptiveCard, tenantId: string): AdaptiveCard {
  const stamp = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(stamp);
    if (typeof node !== 'object' || node === null) return node;
    const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, stamp(v)]));
    if (copy.type === 'Action.Execute') copy.data = { ...(copy.data as object | undefined), onBehalfOf: tenantId };
    return copy;
  };
  return stamp(value) as AdaptiveCard;
}
/** What Teams answered on a file consent card (its context and, on Allow, the upload session). */
export interface FileConsentHandlers {
  accept(context: TurnContext, response: unknown): Promise<void>;
  decline(context: TurnContext, response: unknown): Promise<void>;
}
type Registered = CommandSpec<boolean> & { roles?: readonly Role[] };

const STATUS: Record<Refusal, 400 | 403 | 500> = { forbidden: 403, invalid: 400, 'not-found': 400, conflict: 400, unavailable: 500 };

export class Surface {
  private readonly events: { event: ConversationUpdateEvents; handler: Handler }[] = [];
  private readonly commands = new Map<string, Registered>();
  private readonly actions: ActionSpec<unknown, boolean>[] = [];
  private readonly texts: TextSpec<boolean>[] = [];
  private fallback: { message?: (turn: CommandTurn<Actor | undefined>) => Promise<Reply>; cardAction?: Handler } = {};
  private actingFor?: ActingFor;
  private consent?: FileConsentHandlers;

  /** `declared`: the commands there are (tests declare their own). */
  constructor(
    private readonly rolesOf: (person: Person) => Promise<Role[]>,
    private readonly declared: readonly DeclaredCommand[] = COMMANDS,
  ) {}

  /** Install and uninstall: the handler reads the activity itself. */
  event(event: ConversationUpdateEvents, handler: Handler): this {
    this.events.push({ event, handler });
    return this;
  }

  command<Anonymous extends boolean = false>(spec: CommandSpec<Anonymous>): this {
    const declaration = this.declared.find((c) => c.name === spec.name);
    if (!declaration) throw new Error(`command "${spec.name}" is not declared in COMMANDS (src/bot/commands.ts)`);
    const clash = [...this.commands.keys()].find((name) => namesOverlap(name, spec.name));
    if (clash) throw new Error(`command "${spec.name}" overlaps "${clash}": one text would select both`);
    // Declared for everyone ("requester"): no role to check.
    const roles = declaration.roles.includes('requester') ? {} : { roles: declaration.roles };
    this.commands.set(spec.name, { ...(spec as unknown as CommandSpec<boolean>), ...roles });
    return this;
  }

  action<D = unknown, Anonymous extends boolean = false>(spec: ActionSpec<D, Anonymous>): this {
    if (this.actions.some((a) => a.verb === spec.verb)) throw new Error(`verb "${spec.verb}" is registered twice`);
    this.actions.push(spec as unknown as ActionSpec<unknown, boolean>);
    return this;
  }

  /** Free text that is no command, e.g. "I need 2 Visio licenses". */
  text<Anonymous extends boolean = false>(spec: TextSpec<Anonymous>): this {
    this.texts.push(spec as unknown as TextSpec<boolean>);
    return this;
  }

  /** What answers a message nothing else took (whoever sent it), and a click on a verb nobody registered; each set once. */
  otherwise(fallback: { message?: (turn: CommandTurn<Actor | undefined>) => Promise<Reply>; cardAction?: Handler }): this {
    for (const slot of ['message', 'cardAction'] as const)
      if (fallback[slot] && this.fallback[slot]) throw new Error(`the ${slot} fallback is set twice`);
    this.fallback = { ...this.fallback, ...fallback };
    return this;
  }

  /**
   * Partner mode: a click whose data carries `onBehalfOf` (the cards `customer <name>` gives a
   * partner admin) is run as the actor `resolve` returns in that customer's tenant, or refused
   * with its words; each card it answers with carries `onBehalfOf` on, so the next click stays there.
   */
  actOnBehalfWith(resolve: ActingFor): this {
    this.actingFor = resolve;
    return this;
  }

  /** Allow and Decline on a file consent card (files sent to a 1:1 chat); set once. The handler reads the activity itself. */
  fileConsent(handlers: FileConsentHandlers): this {
    if (this.consent) throw new Error('the file consent handlers are set twice');
    this.consent = handlers;
    return this;
  }

  /** The commands `roles` may use, in the order declared, for the help card. */
  /** The commands these roles may use, grouped by task (HELP_GROUPS), empty groups left out. */
  helpFor(roles: readonly Role[]): HelpGroup[] {
    const usable = this.declared.filter((c) => this.commands.has(c.name) && c.roles.some((r) => roles.includes(r)));
    const grouped = new Set(HELP_GROUPS.flatMap((g) => g.commands));
    const groups = [...HELP_GROUPS, { title: 'More', commands: usable.filter((c) => !grouped.has(c.name)).map((c) => c.name) }];
    return groups
      .map((group) => ({
        title: group.title,
        commands: usable.filter((c) => group.commands.includes(c.name)).map(({ usage, description }) => ({ usage, description })),
      }))
      .filter((group) => group.commands.length > 0);
  }

  /**
   * The reply of the command `text` selects, as if it had been typed (an understood intent of a
   * command, a suggestion button): the same checks, the same answer. Undefined when no command is selected.
   */
  async commandReply(context: TurnContext, text: string): Promise<Reply | undefined> {
    const typed = normalized(text);
    const spec = [...this.commands.values()].find((c) => selects(typed, c.name));
    return spec && this.replyTo(context, spec, spec.name, spec.run, commandArgument(text, spec.name));
  }

  /** Every card verb registered. */
  verbs(): string[] {
    return this.actions.map((a) => a.verb);
  }

  /** Routes, in the order teams-ai tries them: events, commands, card actions, free text, then the fallbacks. */
  mount(app: Application<QuartermasterTurnState>): void {
    const missing = this.declared.filter((c) => !this.commands.has(c.name)).map((c) => c.name);
    if (missing.length > 0) throw new Error(`commands declared without a handler: ${missing.join(', ')}`);
    for (const { event, handler } of this.events) app.conversationUpdate(event, handler);
    for (const spec of this.commands.values())
      app.message(matchesCommand(spec.name), (context) =>
        this.answerMessage(context, spec, spec.name, spec.run, commandArgument(context.activity.text, spec.name)),
      );
    for (const spec of this.actions)
      app.adaptiveCards.actionExecute(spec.verb, (context, _state, data) => this.answerClick(context, spec, data));
    for (const spec of this.texts)
      app.message(spec.matches, (context) => this.answerMessage(context, spec, undefined, spec.run, context.activity.text ?? ''));
    const consent = this.consent;
    if (consent) {
      app.fileConsentAccept((context, _state, response) => consent.accept(context, response));
      app.fileConsentDecline((context, _state, response) => consent.decline(context, response));
    }
    const { message, cardAction } = this.fallback;
    if (message)
      app.activity(ActivityTypes.Message, (context) =>
        this.answerMessage(context, { anonymous: true }, undefined, message, context.activity.text ?? ''),
      );
    if (cardAction) app.addRoute(async (context) => isCardAction(context), cardAction, true);
  }

  private async answerMessage(
    context: TurnContext,
    access: Access<boolean>,
    name: string | undefined,
    run: (turn: CommandTurn<never>) => Promise<Reply>,
    argument: string,
  ): Promise<void> {
    await sendAsMessage(context, await this.replyTo(context, access, name, run, argument));
  }

  private async replyTo(
    context: TurnContext,
    access: Access<boolean>,
    name: string | undefined,
    run: (turn: CommandTurn<never>) => Promise<Reply>,
    argument: string,
  ): Promise<Reply> {
    const admitted = await this.admit(context, access, name);
    if ('refused' in admitted) return admitted.refused;
    // admit() gave an actor unless the handler is anonymous, which is what its type says.
    return run({ ...(admitted.turn as Turn<never>), argument });
  }

  /** Answers a click itself (teams-ai then sends nothing more); the return value is only for teams-ai's types. */
  private async answerClick(context: TurnContext, spec: ActionSpec<unknown, boolean>, raw: unknown): Promise<string> {
    const onBehalfOf = onBehalfOfIn(raw);
    const admitted = await this.admit(
      context,
      spec,
      undefined,
      onBehalfOf === undefined ? undefined : { tenantId: onBehalfOf, verb: spec.verb },
    );
    if ('refused' in admitted) return this.sendClickReply(context, admitted.refused);
    let data: unknown = raw;
    if (spec.schema) {
      const parsed = spec.schema.safeParse(raw);
      if (!parsed.success) return this.sendClickReply(context, refuse('invalid', spec.badData ?? 'This card sent something I cannot use.'));
      data = parsed.data;
    }
    const reply = await spec.run({ ...(admitted.turn as Turn<never>), data });
    return this.sendClickReply(
      context,
      onBehalfOf === undefined || reply.kind !== 'card' ? reply : card(stampOnBehalfOf(reply.card, onBehalfOf)),
    );
  }

  private async sendClickReply(context: TurnContext, reply: Reply): Promise<string> {
    if (reply.kind === 'card') await replaceCard(context, reply.card);
    else if (reply.kind === 'text') await sendInvokeMessage(context, reply.text);
    else await refuseInvoke(context, reply.message, STATUS[reply.reason]);
    return reply.kind === 'card' ? 'card' : reply.kind === 'text' ? reply.text : reply.message;
  }

  /** Who is acting and whether they may; the turn for the handler, or the refusal. */
  private async admit(
    context: TurnContext,
    access: Access<boolean>,
    commandName?: string,
    onBehalfOf?: { tenantId: string; verb: string },
  ): Promise<{ turn: Turn<Actor | undefined> } | { refused: { kind: 'refused'; reason: Refusal; message: string } }> {
    let actor = actorOf(context.activity);
    if (!actor && (!access.anonymous || onBehalfOf)) return { refused: refuse('invalid', UNKNOWN_ACTOR) };
    let person = personOf(context.activity);
    let customerName: string | undefined;
    if (onBehalfOf && actor) {
      // Checked before anything else: the card's tenant id is data anyone could have forged.
      if (!this.actingFor) return { refused: refuse('forbidden', NOT_YOUR_TENANT) };
      const acting = await this.actingFor(actor, onBehalfOf.tenantId, onBehalfOf.verb);
      if (!acting.ok) return { refused: refusal(acting) };
      const { customerName: name, ...asAdmin } = acting.value;
      actor = asAdmin;
      customerName = name;
      person = { tenantId: actor.tenantId, aadObjectId: actor.aadObjectId };
    }
    let roles: Promise<Role[]> | undefined;
    const turn = { context, actor, person, roles: () => (roles ??= this.rolesOf(person)), ...(customerName && { customerName }) };
    if (access.roles && !(await turn.roles()).some((r) => access.roles!.includes(r))) {
      const fallback = `Only ${describeWhoMay(access.roles)} can ${commandName ? `use **${commandName}**` : 'do that'}. Type **help** to see the commands you can use.`;
      return { refused: refuse('forbidden', access.refusal ?? fallback) };
    }
    return { turn };
  }
}
