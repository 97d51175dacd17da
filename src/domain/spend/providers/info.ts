// What every part of Quartermaster may know about a cloud cost provider without talking to
// it: names (chat, cards, FOCUS), what a connection of it is called and how it is shown.
// The I/O half of a provider (input, health, rows, advice) is src/services/cost-providers.

export interface CostProviderInfo {
  /** The connection kind and id prefix (`aws:<account>`), and the word `spend aws` filters by. */
  id: string;
  /** FOCUS ServiceProviderName / HostProviderName of its rows (stored; never change it). */
  focusName: string;
  /** How people call it: "Azure", "AWS". */
  displayName: string;
  /** Words in chat that name it (spend filters, the language entities). */
  chatWords: readonly string[];
  /** What its sub-account is called on cards: "Subscription", "Account". */
  accountNoun: string;
  /** The part of a connection id after `<id>:`, as a regular expression source (cards are checked with it). */
  connectionIdPattern: string;
  /** The connect card's line for it before anything is connected. */
  description: string;
  connectionTitle(label: string): string;
  /** The connect card's line for a connection of it (no secret in `details`). */
  connectionSummary(details: Readonly<Record<string, string>>): string;
  /** Whose rows a connection writes (FOCUS BillingAccountId / SubAccountId). */
  owner(connection: { label: string; details: Readonly<Record<string, string>> }): { billingAccountId: string; subAccountId: string };
  /** True when its sync stores the provider's own month forecast (budgets prefer it to the run-rate). */
  ownForecast: boolean;
}
