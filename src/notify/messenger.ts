// Proactive delivery: post, update and send text into a stored conversation. Every
// message the bot starts (not a reply within a turn) goes through here, so rate limits
// and the durable outbox can be added in one place.
import { CardFactory, MessageFactory, type CloudAdapter, type ConversationReference, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger.js';
import type { AdaptiveCard } from '../bot/cards.js';

export class Messenger {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly botAppId: string,
    private readonly log: Logger,
  ) {}

  /** Posts a card; returns the new activity's id (to update it later). */
  async postCard(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<string | undefined> {
    let id: string | undefined;
    await this.continue(reference, async (context) => {
      id = (await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card))))?.id;
    });
    return id;
  }

  async updateCard(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCard): Promise<void> {
    await this.continue(reference, async (context) => {
      const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
      activity.id = activityId;
      await context.updateActivity(activity);
    });
  }

  async postText(reference: Partial<ConversationReference>, text: string): Promise<string | undefined> {
    let id: string | undefined;
    await this.continue(reference, async (context) => {
      id = (await context.sendActivity(text))?.id;
    });
    return id;
  }

  private async continue(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    // A stored reference remembers the message it came from; a new post must not thread under it.
    const { activityId: _replyTo, ...fresh } = reference;
    const started = performance.now();
    // The adapter hands errors inside the callback to onTurnError, which answers in the chat
    // and swallows them; a failed proactive send must reach the outbox instead, to be retried.
    let failure: unknown;
    await this.adapter.continueConversationAsync(this.botAppId, fresh, async (context) => {
      try {
        await logic(context);
      } catch (error) {
        failure = error;
      }
    });
    if (failure) throw failure;
    this.log.debug({ conversationId: reference.conversation?.id, ms: Math.round(performance.now() - started) }, 'proactive send');
  }
}
