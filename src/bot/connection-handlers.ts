// Teams surface of connections: the `connect` command and the card's buttons (add an Azure
// scope or AWS account, check, disconnect with a confirmation). ConnectionService checks the
// role and what is stored; secrets typed into the card go straight to it and are never echoed
// back or logged.
import { z } from 'zod';
import { COST_CONNECTION_ID_PATTERN } from '../domain/spend/providers/index.js';
import type { Actor } from '../domain/roles.js';
import { ONLY_ADMINS_CONNECTIONS, type ConnectionService } from '../services/connections.js';
import type { CardRenderer } from './cards.js';
import { connectionFormData, connectionsCardData } from './connection-views.js';
import { ADMINS, answer, card, refusal, text, type ActionTurn, type Surface, type Turn } from './surface.js';

export interface ConnectionFeatureDeps {
  cards: CardRenderer;
  connections: ConnectionService;
}

export type CardNote = { text: string; color: 'Good' | 'Warning' | 'Attention' };

/** The connect card as it is now, with a note on top; refused when the service says so. */
export async function connectionsOverview(d: ConnectionFeatureDeps, actor: Actor, note?: CardNote) {
  return answer(await d.connections.overview(actor), (overview) =>
    card(d.cards.render('connections', connectionsCardData(overview, note))),
  );
}

const ConnectionId = z
  .string()
  .max(400)
  .regex(new RegExp(`^(microsoft365|partner-center|marketplace|${COST_CONNECTION_ID_PATTERN})$`));
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
const BAD_AZURE = 'Enter a subscription id (a GUID) or a billing account scope, up to 400 characters.';
const BAD_AWS = 'The AWS fields are too long or malformed. Check the account id, role ARN and key, then try again.';

export function connectionFeature(surface: Surface, d: ConnectionFeatureDeps): void {
  const overview = (actor: Actor, note?: CardNote) => connectionsOverview(d, actor, note);
  const stateNote = (message: string, state: string): CardNote => ({ text: message, color: state === 'connected' ? 'Good' : 'Warning' });

  const connect = async ({ context, actor }: Turn) => {
    const type = context.activity.conversation?.conversationType;
    if (type === 'channel' || type === 'groupChat')
      return text('Type **connect** in your 1:1 chat with me: the card holds sign-in links meant for you only.');
    return overview(actor);
  };

  const check = async ({ actor, data }: ActionTurn<z.infer<typeof CheckData>>) => {
    const result = await d.connections.check(actor, data.connectionId || undefined);
    if (!result.ok) return result.reason === 'not-found' ? overview(actor, { text: result.message, color: 'Warning' }) : refusal(result);
    const broken = result.value.some((c) => c.state !== 'connected');
    return overview(actor, {
      text: result.value.length ? result.message : 'Nothing is connected yet.',
      color: broken ? 'Warning' : 'Good',
    });
  };

  const addAzureScope = async ({ actor, data }: ActionTurn<z.infer<typeof AzureData>>) => {
    const result = await d.connections.addAzureScope(actor, data.azureScope, data.azureTagKey);
    if (!result.ok)
      return result.reason === 'invalid'
        ? card(d.cards.render('connection-form', connectionFormData('azure', data, result)))
        : refusal(result);
    return overview(actor, stateNote(result.message, result.value.state));
  };

  const addAwsAccount = async ({ actor, data: f }: ActionTurn<z.infer<typeof AwsData>>) => {
    const input =
      f.awsAuth === 'access-key'
        ? { accountId: f.awsAccountId, kind: 'access-key' as const, accessKeyId: f.awsAccessKeyId, secretAccessKey: f.awsSecretAccessKey }
        : { accountId: f.awsAccountId, kind: 'assume-role' as const, roleArn: f.awsRoleArn, externalId: f.awsExternalId };
    const result = await d.connections.addAwsAccount(actor, { ...input, tagKey: f.awsTagKey });
    // Refused input: the form again, what was typed kept (the secret excepted), the problem by its field.
    if (!result.ok)
      return result.reason === 'invalid' ? card(d.cards.render('connection-form', connectionFormData('aws', f, result))) : refusal(result);
    // Stored, but AWS refused the key or role: the form again too, to fix it where it was typed.
    if (result.value.state !== 'connected')
      return card(d.cards.render('connection-form', connectionFormData('aws', f, { message: result.message })));
    return overview(actor, stateNote(result.message, result.value.state));
  };

  const askDisconnect = async ({ actor, data }: ActionTurn<z.infer<typeof DisconnectData>>) => {
    const current = await d.connections.overview(actor);
    if (!current.ok) return refusal(current);
    const row = current.value.rows.find((r) => r.id === data.connectionId && r.connection);
    if (!row) return overview(actor, { text: 'That connection was already removed.', color: 'Warning' });
    return card(d.cards.render('connection-disconnect', { connectionId: row.id, title: row.title, consequence: consequenceOf(row.kind) }));
  };

  const confirmDisconnect = async ({ actor, data }: ActionTurn<z.infer<typeof DisconnectData>>) => {
    const result = await d.connections.disconnect(actor, data.connectionId);
    return result.ok ? overview(actor, { text: result.message, color: 'Good' }) : refusal(result);
  };

  const admins = { roles: ADMINS, refusal: ONLY_ADMINS_CONNECTIONS, badData: BAD_CARD };
  surface.command({ name: 'connect', refusal: ONLY_ADMINS_CONNECTIONS, run: connect });
  surface.action({ verb: 'showConnections', ...admins, run: ({ actor }) => overview(actor) });
  surface.action({ verb: 'checkConnection', ...admins, schema: CheckData, run: check });
  surface.action({ verb: 'addAzureScope', ...admins, schema: AzureData, badData: BAD_AZURE, run: addAzureScope });
  surface.action({ verb: 'addAwsAccount', ...admins, schema: AwsData, badData: BAD_AWS, run: addAwsAccount });
  surface.action({ verb: 'askDisconnect', ...admins, schema: DisconnectData, run: askDisconnect });
  surface.action({ verb: 'confirmDisconnect', ...admins, schema: DisconnectData, run: confirmDisconnect });
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
