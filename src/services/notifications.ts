// What the licensing use cases need to tell people. Implemented in src/notify (Teams);
// the services only say who should learn what.
import type { CardRef } from '../storage/card-refs.js';
import type { StoredRequest } from '../storage/requests.js';

export type { CardRef };

export interface RequestNotifications {
  /** Posts the approval card to each approver of the current stage (and the approvals channel). */
  askApprovers(request: StoredRequest): Promise<void>;
  /** Keeps a copy of the request's card that was posted outside the notifier, so changes redraw it too. */
  rememberCard(request: StoredRequest, ref: CardRef): Promise<void>;
  /** Redraws every posted card of this request after a change. */
  refreshCards(request: StoredRequest): Promise<void>;
  tellRequester(request: StoredRequest, text: string): Promise<void>;
  /** A card or message to the tenant's admins, e.g. a failed fulfilment. */
  tellAdmins(tenantId: string, text: string, key?: string): Promise<void>;
  /** Reminder to the current stage's approvers. */
  remindApprovers(request: StoredRequest, text: string): Promise<void>;
}
