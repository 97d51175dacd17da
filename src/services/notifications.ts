// What the licensing use cases need to tell people. Implemented in src/notify (Teams);
// the services only say who should learn what.
import type { StoredRequest } from '../storage/requests.js';

export interface RequestNotifications {
  /** Posts the approval card to each approver of the current stage (and the approvals channel). */
  askApprovers(request: StoredRequest): Promise<void>;
  /** Redraws every posted card of this request after a change. */
  refreshCards(request: StoredRequest): Promise<void>;
  tellRequester(request: StoredRequest, text: string): Promise<void>;
  /** A card or message to the tenant's admins, e.g. a failed fulfilment. */
  tellAdmins(tenantId: string, text: string, key?: string): Promise<void>;
  /** Reminder to the current stage's approvers. */
  remindApprovers(request: StoredRequest, text: string): Promise<void>;
}
