// Teams surface of connections: the `connect` command and the card's buttons (add an Azure
// scope or AWS account, check, disconnect with a confirmation). Card data is checked here
// (cards can be forged); who may act and what is stored is decided by the service. Secrets
// typed into the card go straight to the service and are never echoed back or logged.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { ConnectionService } from '../services/connections.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { connectionsCardData } from './connection-views.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './activity.js';

export interface ConnectionHandlerDeps {
  cards: CardRenderer;
  connections: ConnectionService;
}

const ConnectionId = z
  .string()
  .max(400)
  .regex(/^(microsoft365|partner-center|marketplace|azure:[^\s]{1,380}|aws:\d{12})$/);
const CheckData = z.object({ connectionId: z.union([ConnectionId, z.literal('')]).optional() }).passthrough();
const DisconnectData = z.object({ connectionId: ConnectionId }).passthrough();
const AzureData = z.object({ azureScope: z.string().max(400), azureTagKey: z.string().max(200).optional() }).passthrough();
const AwsData = z
  .object({
    awsAccountId: z.string().max(64).default(''),
    awsAuth: z.enum(['assume-role', 'access-key']).default('assume-role'),
    awsRoleArn: z.string().max(2048).default(''),
    awsExternalId: z.string().max(1224).default(''),
    awsAccessKeyId: z.string().max(128).default(''),
    awsSecretAccessKey: z.string().max(128).default(''),
    awsTagKey: z.string().max(200).default(''),
  })
  .passthrough();

const BAD_CARD = 'This card sent something I cannot use. Type **connect** for a fresh card.';

export function connectionHandlers(d: ConnectionHandlerDeps) {
  const overviewCard = async (context: TurnContext, note?: { text: string; color?: string }): Promise<AdaptiveCard | string> => {
    const actor = actorOf(context.activity);
    if (!actor) return UNKNOWN_ACTOR;
    const overview = await d.connections.overview(actor);
    if (!overview.ok) return overview.message;
    return d.cards.render('connections', connectionsCardData(overview.value, note));
  };

  /** Replaces the clicked card with the overview, or refuses with the reason. */
  const answerWithOverview = async (context: TurnContext, note?: { text: string; color?: string }) => {
    const card = await overviewCard(context, note);
    return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
  };

  return {
    async connectCommand(context: TurnContext): Promise<void> {
      const type = context.activity.conversation?.conversationType;
      if (type === 'channel' || type === 'groupChat') {
        await context.sendActivity('Type **connect** in your 1:1 chat with me: the card holds sign-in links meant for you only.');
        return;
      }
      const card = await overviewCard(context);
      await (typeof card === 'string' ? context.sendActivity(card) : sendCard(context, card));
    },

    show: (context: TurnContext) => answerWithOverview(context),

    async check(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = CheckData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const result = await d.connections.check(actor, parsed.data.connectionId || undefined);
      if (!result.ok)
        return result.reason === 'not-found'
          ? answerWithOverview(context, { text: result.message, color: 'Warning' })
          : refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      const broken = result.value.some((c) => c.state !== 'connected');
      return answerWithOverview(context, {
        text: result.value.length ? result.message : 'Nothing is connected yet.',
        color: broken ? 'Warning' : 'Good',
      });
    },

    async addAzureScope(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = AzureData.safeParse(data);
      if (!parsed.success)
        return refuseInvoke(context, 'Enter a subscription id (a GUID) or a billing account scope, up to 400 characters.');
      const result = await d.connections.addAzureScope(actor, parsed.data.azureScope, parsed.data.azureTagKey);
      if (!result.ok) return refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      return answerWithOverview(context, { text: result.message, color: result.value.state === 'connected' ? 'Good' : 'Warning' });
    },

    async addAwsAccount(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = AwsData.safeParse(data);
      if (!parsed.success)
        return refuseInvoke(context, 'The AWS fields are too long or malformed. Check the account id, role ARN and key, then try again.');
      const f = parsed.data;
      const input =
        f.awsAuth === 'access-key'
          ? { accountId: f.awsAccountId, kind: 'access-key' as const, accessKeyId: f.awsAccessKeyId, secretAccessKey: f.awsSecretAccessKey }
          : { accountId: f.awsAccountId, kind: 'assume-role' as const, roleArn: f.awsRoleArn, externalId: f.awsExternalId };
      const result = await d.connections.addAwsAccount(actor, { ...input, tagKey: f.awsTagKey });
      if (!result.ok) return refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      return answerWithOverview(context, { text: result.message, color: result.value.state === 'connected' ? 'Good' : 'Warning' });
    },

    async askDisconnect(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = DisconnectData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const overview = await d.connections.overview(actor);
      if (!overview.ok) return refuseInvoke(context, overview.message, 403);
      const row = overview.value.rows.find((r) => r.id === parsed.data.connectionId && r.connection);
      if (!row) return answerWithOverview(context, { text: 'That connection was already removed.', color: 'Warning' });
      return replaceCard(
        context,
        d.cards.render('connection-disconnect', { connectionId: row.id, title: row.title, consequence: consequenceOf(row.kind) }),
      );
    },

    async confirmDisconnect(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = DisconnectData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const result = await d.connections.disconnect(actor, parsed.data.connectionId);
      if (!result.ok) return refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      return answerWithOverview(context, { text: result.message, color: 'Good' });
    },
  };
}

function consequenceOf(kind: string): string {
  switch (kind) {
    case 'microsoft365':
      return 'Quartermaster stops reading and assigning licenses in your tenant. To remove its access entirely, also delete the Quartermaster enterprise application in Entra ID.';
    case 'partner-center':
      return 'License purchases through Partner Center stop until an agent signs in again.';
    case 'marketplace':
      return 'Orders through the Marketplace stop and its API token is deleted.';
    default:
      return 'Daily cost sync, budgets and anomaly alerts for this account stop.';
  }
}
