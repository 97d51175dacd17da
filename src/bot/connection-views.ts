// What the connection cards show: the service's overview → template data. Plain words for
// states, times as "3 h ago", the problem and its fix only when something is wrong.
import { costProviderInfo, isCostProviderId, type CostProviderId } from '../domain/spend/providers/index.js';
import type { Connection, ConnectionOverview, ConnectionRow } from '../services/connections.js';
import type { ConnectionFormCardData, ConnectionRowCardData, ConnectionsCardData } from './cards.js';

// The word says the state. Only a problem is coloured, in Attention (red), which reads on a
// white card and in contrast themes; light green and yellow text did not (issue 20, contrast).
const STATE_LABELS: Record<ConnectionRow['state'], { label: string; color: string }> = {
  'not-connected': { label: 'Not connected', color: 'Default' },
  connected: { label: 'Connected', color: 'Default' },
  'needs-attention': { label: 'Needs attention', color: 'Attention' },
  expired: { label: 'Expired', color: 'Attention' },
};

const DESCRIPTIONS: Record<Exclude<ConnectionRow['kind'], CostProviderId>, string> = {
  microsoft365: 'Reads your licenses and users, and assigns licenses (Microsoft Graph, admin consent).',
  'partner-center': 'Buys and changes subscriptions through your CSP account (an agent signs in once).',
  marketplace: "Buys Adobe and other vendors' products through the Marketplace Platform (an API token from the Marketplace portal).",
};

function descriptionOf(kind: ConnectionRow['kind']): string {
  return isCostProviderId(kind) ? costProviderInfo(kind).description : DESCRIPTIONS[kind];
}

export function connectionsCardData(overview: ConnectionOverview, note?: { text: string; color?: string }): ConnectionsCardData {
  const now = new Date(overview.asOf);
  return {
    rows: overview.rows.map((row) => rowData(row, now)),
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    suggestedExternalId: overview.suggestedExternalId,
    linksNote: 'Sign-in links on this card are for you only, work once and expire in 10 minutes. Type connect for fresh ones.',
    azureHint: overview.hints?.azure ?? '',
    awsHint: overview.hints?.aws ?? '',
  };
}

function rowData(row: ConnectionRow, now: Date): ConnectionRowCardData {
  const c = row.connection;
  const state = STATE_LABELS[row.state];
  const needsSignIn = row.state !== 'connected';
  return {
    id: row.id,
    title: row.title,
    stateLabel: state.label,
    stateColor: state.color,
    description: c
      ? labelOf(c)
      : row.consentOutside
        ? 'Admin consent is in place, given outside Quartermaster (in local mode the demo tenant has it from the start): licenses are read and assigned through Microsoft Graph.'
        : row.sandboxFallback
          ? `${descriptionOf(row.kind)} Sandbox: the demo token is used until you enter one.`
          : descriptionOf(row.kind),
    facts: c ? factsOf(c, now) : [],
    problem: c?.problem && row.state !== 'connected' ? c.problem.problem : '',
    fix: c?.problem && row.state !== 'connected' ? c.problem.fix : '',
    // Reconnecting a working connection is allowed (another agent, another tenant admin), but not pushed.
    signInUrl: row.signInUrl && (needsSignIn || row.kind === 'partner-center' || row.consentOutside) ? row.signInUrl : '',
    signInTitle: row.kind === 'microsoft365' ? 'Grant admin consent' : c ? 'Sign in again' : 'Sign in to Partner Center',
    sandboxSignInUrl: row.sandboxSignInUrl && (!c || row.offerSandboxSignIn) ? row.sandboxSignInUrl : '',
    connected: Boolean(c),
    askToken: row.kind === 'marketplace' && row.state !== 'connected',
    agreements: (row.agreements ?? []).map((a) => ({
      agreementId: a.id,
      name: `${a.name} (${a.id})`,
      poLabel: a.purchaseOrderNumber ? `PO number: ${a.purchaseOrderNumber}` : 'No PO number yet',
      inputId: `po_${a.id}`,
      purchaseOrderNumber: a.purchaseOrderNumber ?? '',
    })),
  };
}

function labelOf(c: Connection): string {
  if (isCostProviderId(c.kind)) return costProviderInfo(c.kind).connectionSummary(c.details);
  switch (c.kind) {
    case 'microsoft365':
      return `Admin consent for ${c.label}`;
    case 'partner-center':
      return `Signed in as ${c.label} with multi-factor authentication, ${c.environment === 'sandbox' ? 'integration sandbox (nothing is billed)' : 'production account'}`;
    case 'marketplace':
      return `API token ${c.details.tokenHint ?? ''}`;
  }
}

function factsOf(c: Connection, now: Date): { title: string; value: string }[] {
  return [
    { title: 'Last used', value: c.lastUsedAt ? ago(c.lastUsedAt, now) : 'not yet' },
    {
      title: 'Last check',
      value: c.lastCheckedAt
        ? `${ago(c.lastCheckedAt, now)}${c.problem && c.state !== 'connected' ? ' (failed)' : ' (passed)'}`
        : 'not yet',
    },
    { title: 'Connected', value: ago(c.connectedAt, now) },
    // Partner Center takes App+User calls only from a sign-in with multi-factor authentication.
    ...(c.kind === 'partner-center'
      ? [
          {
            title: 'Multi-factor sign-in',
            value: c.details.mfaVerifiedAt ? 'checked at sign-in' : 'not recorded for this sign-in: sign in again to check it',
          },
        ]
      : []),
  ];
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

type ConnectionProviderForm = 'azure' | 'aws' | 'marketplace' | 'po';

const EMPTY_VALUES: ConnectionFormCardData['values'] = {
  azureScope: '',
  azureTagKey: '',
  awsAccountId: '',
  awsAuth: 'assume-role',
  awsRoleArn: '',
  awsExternalId: '',
  awsAccessKeyId: '',
  awsTagKey: '',
  purchaseOrderNumber: '',
};

const FORMS = {
  azure: { title: 'Add an Azure scope', verb: 'addAzureScope', submitTitle: 'Add and check' },
  aws: { title: 'Add an AWS account', verb: 'addAwsAccount', submitTitle: 'Add and check' },
  marketplace: { title: 'Connect the Marketplace', verb: 'connectMarketplace', submitTitle: 'Connect and check' },
  po: { title: 'Set the PO number', verb: 'setMarketplacePo', submitTitle: 'Save PO number' },
} as const;

/** The service's field names (parseInput's) → the card's input ids. */
const CARD_FIELDS: Record<ConnectionProviderForm, Record<string, keyof ConnectionFormCardData['errors']>> = {
  azure: { scope: 'azureScope', tagKey: 'azureTagKey' },
  aws: {
    accountId: 'awsAccountId',
    roleArn: 'awsRoleArn',
    externalId: 'awsExternalId',
    accessKeyId: 'awsAccessKeyId',
    secretAccessKey: 'awsSecretAccessKey',
    tagKey: 'awsTagKey',
  },
  marketplace: { token: 'marketplaceToken' },
  po: { purchaseOrderNumber: 'purchaseOrderNumber' },
};

/**
 * An add-a-connection form answered with a problem: the form again with what was typed (secrets
 * excepted: they are never shown back) and each problem beside its field; a problem of no
 * single field goes on top.
 */
export function connectionFormData(
  provider: ConnectionProviderForm,
  typed: Readonly<Record<string, unknown>>,
  problem: { message: string; fields?: Record<string, string> },
  agreement: { id: string; name: string } = { id: '', name: '' },
): ConnectionFormCardData {
  const values = { ...EMPTY_VALUES };
  for (const key of Object.keys(values) as (keyof typeof values)[]) {
    const value = typed[key];
    if (typeof value === 'string' && value !== '') values[key] = value;
  }
  const errors = Object.fromEntries(
    [...Object.keys(EMPTY_VALUES), 'awsSecretAccessKey', 'marketplaceToken'].map((k) => [k, '']),
  ) as ConnectionFormCardData['errors'];
  let placed = false;
  for (const [field, message] of Object.entries(problem.fields ?? {})) {
    const id = CARD_FIELDS[provider][field];
    if (id) {
      errors[id] = message;
      placed = true;
    }
  }
  return {
    isAzure: provider === 'azure',
    isAws: provider === 'aws',
    isMarketplace: provider === 'marketplace',
    isPo: provider === 'po',
    agreementId: agreement.id,
    agreementName: agreement.name,
    ...FORMS[provider],
    general: placed ? 'Nothing was saved. Please fix the fields marked below.' : problem.message,
    values,
    errors,
  };
}
