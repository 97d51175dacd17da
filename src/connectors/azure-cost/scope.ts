// What an admin types as an Azure scope → the form the Cost Management API takes (no leading
// slash), or one sentence saying what is wrong. Checked before any call, so a typo never
// costs a query or reads as a permission problem.

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const BARE_SUBSCRIPTION = new RegExp(`^${GUID}$`);
const SUBSCRIPTION = new RegExp(`^/?subscriptions/(${GUID})/?$`, 'i');
const RESOURCE_GROUP = new RegExp(`^/?subscriptions/(${GUID})/resourceGroups/`, 'i');
// EA enrollment numbers ("8611537"), MCA ids ("<guid>:<guid>_2019-05-31"), MOSP ids.
const BILLING_ACCOUNT = /^\/?providers\/Microsoft\.Billing\/billingAccounts\/([A-Za-z0-9][A-Za-z0-9:_.-]{0,199})\/?$/i;

export type ParsedAzureScope = { ok: true; scope: string } | { ok: false; message: string };

const EXAMPLES =
  'a subscription id (like 0b1f6471-1bf0-4dda-aec3-111122223333), /subscriptions/<id>, or /providers/Microsoft.Billing/billingAccounts/<id>';

export function parseAzureScope(text: string): ParsedAzureScope {
  const value = text.trim();
  if (!value) return { ok: false, message: `Give the Azure scope to read costs from: ${EXAMPLES}.` };
  if (BARE_SUBSCRIPTION.test(value)) return { ok: true, scope: `subscriptions/${value.toLowerCase()}` };
  const subscription = SUBSCRIPTION.exec(value);
  if (subscription) return { ok: true, scope: `subscriptions/${subscription[1]!.toLowerCase()}` };
  if (RESOURCE_GROUP.test(value)) {
    return {
      ok: false,
      message:
        'Quartermaster reads costs per subscription or billing account, not per resource group: give /subscriptions/<id> without the resource group.',
    };
  }
  const billing = BILLING_ACCOUNT.exec(value);
  if (billing) return { ok: true, scope: `providers/Microsoft.Billing/billingAccounts/${billing[1]!}` };
  if (/^\/?subscriptions\//i.test(value))
    return {
      ok: false,
      message: `"${value.slice(0, 80)}" does not hold a valid subscription id; a subscription id looks like 0b1f6471-1bf0-4dda-aec3-111122223333.`,
    };
  return { ok: false, message: `"${value.slice(0, 80)}" is not an Azure scope Quartermaster can read; give ${EXAMPLES}.` };
}

/** The scope as ARM writes it in messages: with a leading slash. */
export function displayScope(scope: string): string {
  return scope.startsWith('/') ? scope : `/${scope}`;
}
