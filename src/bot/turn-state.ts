// teams-ai turn state, held for one turn only (the Application has no state storage:
// Quartermaster keeps everything in its own tables). The keys still name the tenant, and
// unlike teams-ai's defaults need no recipient, so odd activities reach the handlers.
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
