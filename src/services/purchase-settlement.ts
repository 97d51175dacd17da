// Purchases for one subscription take turns under a lock (src/storage/purchase-locks.ts).
import type { Logger } from '../logger.js';
import type { PurchaseIntent } from '../storage/purchase-locks.js';
import type { RequestRepository } from '../storage/requests.js';

/**
 * The lock was taken over from a request that stopped while holding it: whether its change
 * landed is read from the seat count now, and written on that request, so its own retry
 * neither buys again nor counts someone else's seats as its own.
 */
export async function settleAbandonedPurchase(
  requests: RequestRepository,
  tenantId: string,
  previous: PurchaseIntent,
  current: number,
  log: Logger,
): Promise<void> {
  if (previous.target < 0) return; // it had not decided anything yet
  const raising = previous.target >= previous.base;
  const landed = raising ? current >= previous.target : current <= previous.target;
  log.warn({ requestId: previous.holder, landed }, 'took over a purchase lock from a request that stopped');
  await requests.mutate(tenantId, previous.holder, (r) => {
    if (!r.fulfilment) return undefined;
    const { targetQuantity: _dropped, ...rest } = r.fulfilment;
    return { ...r, fulfilment: landed ? { ...rest, targetQuantity: previous.target, purchased: true } : rest };
  });
}
