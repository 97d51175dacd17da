// Where each approval card was posted (one row per recipient conversation), so that a
// change of state can update every copy, and who looks at it there.
import { tenantPartition } from './keys.js';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

export interface CardRef {
  conversationId: string;
  activityId: string;
  /** 'approver' = an approver's 1:1 chat; 'requester'; 'channel' = the approvals channel; 'admin'. */
  audience: 'approver' | 'requester' | 'channel' | 'admin';
  /** Entra object id of the person in a 1:1 chat; empty for channels. */
  viewerId: string;
  /** Their Teams user id (29:...), for the card's refresh list. */
  viewerTeamsId: string;
}

type CardRefEntity = { ActivityId: string; Audience: string; ViewerId: string; ViewerTeamsId: string; ConversationId: string };

export class CardRefs extends TableRepository<CardRefEntity> {
  constructor(store: TableStore) {
    super(store, 'Cards');
  }

  async add(tenantId: string, cardKey: string, ref: CardRef): Promise<void> {
    await this.putRow(tenantPartition(tenantId, cardKey), ref.conversationId, {
      ActivityId: ref.activityId,
      Audience: ref.audience,
      ViewerId: ref.viewerId,
      ViewerTeamsId: ref.viewerTeamsId,
      ConversationId: ref.conversationId,
    });
  }

  async list(tenantId: string, cardKey: string): Promise<CardRef[]> {
    const refs: CardRef[] = [];
    let token: string | undefined;
    do {
      const page = await this.pageRows(tenantPartition(tenantId, cardKey), {
        pageSize: 100,
        ...(token ? { continuationToken: token } : {}),
      });
      refs.push(
        ...page.items.map(({ value }) => ({
          conversationId: value.ConversationId,
          activityId: value.ActivityId,
          audience: value.Audience as CardRef['audience'],
          viewerId: value.ViewerId,
          viewerTeamsId: value.ViewerTeamsId,
        })),
      );
      token = page.continuationToken;
    } while (token);
    return refs;
  }
}
