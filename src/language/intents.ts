// What the bot can be asked, whatever the language: one name per intent. The examples that
// teach each intent live in language/<code>.json; what the bot does for each lives in src/bot.

export const INTENTS = [
  // Licenses, for everyone
  'request',
  'my-requests',
  'request-status',
  'cancel-request',
  'who-approves',
  'approvals',
  'whoami',
  'help',
  // Admins
  'subscriptions',
  'reclaim',
  'set-reclaim-days',
  'spend',
  'budgets',
  'budget-add',
  'alerts-here',
  'sync-now',
  'connect',
  'status',
  'policies',
  'audit',
  'set-approvals-channel',
  // Small talk
  'greeting',
  'thanks',
] as const;

export type IntentName = (typeof INTENTS)[number];

/** Out of scope: the examples of "None" teach the model what is not for this bot. */
export const NONE = 'None';

export function isIntent(name: string): name is IntentName {
  return (INTENTS as readonly string[]).includes(name);
}

/** Small talk is answered, never offered as a suggestion. */
export const SMALL_TALK: readonly IntentName[] = ['greeting', 'thanks'];
