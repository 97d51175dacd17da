// What the bot sends back: cards as messages, and the answers to a card click. A click
// (Action.Execute) is answered with an invoke response that is always HTTP 200, its own status
// in the body: a card that replaces the clicked one, a short message, or an error whose text
// Teams shows under the card.
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from './cards.js';

export function sendCard(context: TurnContext, card: AdaptiveCard): Promise<unknown> {
  return context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
}

export const ERROR_RESPONSE_TYPE = 'application/vnd.microsoft.error';

export const UNKNOWN_ACTOR = "I can't tell who you are in this chat, so I can't do that. Try from your 1:1 chat with me.";

/**
 * Answers a click with a card that replaces the clicked one for the person who clicked. Sent
 * here rather than returned to teams-ai, which replaces a card that has `refresh` for everyone
 * in the chat.
 */
export async function replaceCard(context: TurnContext, card: AdaptiveCard): Promise<void> {
  await context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  });
}

/** Refuses a click with `message`, shown under the card. */
export async function refuseInvoke(context: TurnContext, message: string, statusCode: 400 | 403 | 500 = 400): Promise<void> {
  await sendInvokeError(
    context,
    statusCode,
    statusCode === 403 ? 'Forbidden' : statusCode === 500 ? 'ServiceUnavailable' : 'BadRequest',
    message,
  );
}

export function sendInvokeError(context: TurnContext, statusCode: 400 | 403 | 500, code: string, message: string): Promise<unknown> {
  return context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode, type: ERROR_RESPONSE_TYPE, value: { code, message } } },
  });
}

/** Answers a click with a short message instead of a card (the clicked card stays as it is). */
export function sendInvokeMessage(context: TurnContext, message: string): Promise<unknown> {
  return context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: message } },
  });
}

export function isCardAction(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Invoke && context.activity.name === 'adaptiveCard/action';
}
