// Small helpers for what the bot sends back: cards as message attachments, and the
// invoke responses Teams expects for Action.Execute (always HTTP 200; status in the body).
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from './cards.js';

export function sendCard(context: TurnContext, card: AdaptiveCard): Promise<unknown> {
  return context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
}

export const ERROR_RESPONSE_TYPE = 'application/vnd.microsoft.error';

export const UNKNOWN_ACTOR = "I can't tell who you are in this chat, so I can't do that. Try from your 1:1 chat with me.";

/**
 * Answers a click with a card that replaces the clicked one for the person who clicked. Sent
 * here rather than returned to teams-ai, which would replace it for everyone in the chat.
 */
export async function replaceCard(context: TurnContext, card: AdaptiveCard): Promise<AdaptiveCard> {
  await context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  });
  return card;
}

/** Refuses a click with `message` (shown under the card); returns it for the handler's result. */
export async function refuseInvoke(context: TurnContext, message: string, statusCode: 400 | 403 | 500 = 400): Promise<string> {
  await sendInvokeError(context, statusCode, statusCode === 403 ? 'Forbidden' : 'BadRequest', message);
  return message;
}

export function sendInvokeError(context: TurnContext, statusCode: 400 | 403 | 500, code: string, message: string): Promise<unknown> {
  return context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode, type: ERROR_RESPONSE_TYPE, value: { code, message } } },
  });
}

/** A short text for the user, in shown place of an updated card. */
export function sendInvokeMessage(context: TurnContext, message: string): Promise<unknown> {
  return context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: message } },
  });
}

export function isCardAction(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Invoke && context.activity.name === 'adaptiveCard/action';
}
