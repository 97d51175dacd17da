// teams-ai turn state whose storage keys start with the tenant id, so the table-backed
// Storage can put each tenant in its own partitions.
import type { TurnContext } from 'botbuilder';
import { TurnState, type DefaultConversationState, type DefaultTempState, type DefaultUserState } from '@microsoft/teams-ai';
import { tenantIdOf } from './activity.js';

export type ConversationState = DefaultConversationState;
export type UserState = DefaultUserState;

export class QuartermasterTurnState extends TurnState<ConversationState, UserState, DefaultTempState> {
  protected override async onComputeStorageKeys(context: TurnContext): Promise<Record<string, string>> {
    const tenantId = tenantIdOf(context.activity);
    if (!tenantId) throw new Error('Turn state needs a tenant id');
    return {
      conversation: `${tenantId}/conversations/${context.activity.conversation.id}`,
      user: `${tenantId}/users/${context.activity.from.id}`,
    };
  }
}
