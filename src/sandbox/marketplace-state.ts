// The Marketplace emulator's in-memory world and its vendor clock. An order is created as
// Draft; posted as Draft it waits for the client's `process`, otherwise each tick of the clock
// moves it one step: Draft → Processing → (Querying, when the vendor needs input: the client
// answers and submits) → Completed | Failed. Tests either let
// the timer run (stepDelayMs, default 1 s) or turn it off ('manual') and call advance().
import {
  marketplaceSeed,
  type MarketplaceSeed,
  type MarketplaceSeedItem,
  type MarketplaceSeedParameter,
  type MarketplaceSeedToken,
} from './marketplace-data.js';

export type MarketplaceOrderStatus = 'Draft' | 'Processing' | 'Querying' | 'Completed' | 'Failed' | 'Deleted';
export type MarketplaceSubscriptionStatus = 'Active' | 'Updating' | 'Terminating' | 'Terminated' | 'Expired';
export type MarketplaceOrderType = 'Purchase' | 'Change' | 'Termination' | 'Configuration';

export interface MarketplaceAgreement {
  id: string;
  name: string;
  customerId: string;
  licensee: { id: string; name: string };
  productId: string;
  status: 'Active' | 'Terminated';
  /** externalIds.client: the PO number ("Additional ID"). */
  purchaseOrderNumber?: string;
  createdAt: Date;
}

export interface MarketplaceSubscription {
  id: string;
  customerId: string;
  agreementId: string;
  itemId: string;
  quantity: number;
  status: MarketplaceSubscriptionStatus;
  startDate: Date;
  autoRenew: boolean;
  assignedEmails: string[];
}

export interface MarketplaceOrderParameter extends MarketplaceSeedParameter {
  value: string;
  /** Set when the vendor rejected the value. */
  rejected?: boolean;
}

export interface MarketplaceOrderLine {
  id: string;
  itemId: string;
  quantity: number;
  oldQuantity?: number;
  subscriptionId?: string;
  /** The item's purchase price per unit and billing period when the order was placed (Purchase and Change lines); clients see its sales price. */
  purchasePrice?: { amount: string; currency: string };
}

export interface MarketplaceOrder {
  id: string;
  customerId: string;
  type: MarketplaceOrderType;
  status: MarketplaceOrderStatus;
  agreementId: string;
  /** externalIds.client: the client's own reference (Quartermaster: its idempotency key). */
  clientReference?: string;
  lines: MarketplaceOrderLine[];
  /** Termination and Configuration: the subscriptions concerned. */
  subscriptionIds: string[];
  /** Configuration: the auto-renew each subscription gets. */
  configuration?: { subscriptionId: string; autoRenew: boolean }[];
  /** Posted as Draft: waits for the client's `process` before the vendor sees it. */
  draft?: boolean;
  fulfillment: MarketplaceOrderParameter[];
  statusNotes?: { id: string; message: string };
  /** The agreement's PO number when the order was placed (shown on the confirmation). */
  purchaseOrderNumber?: string;
  /** Has the vendor already asked (Querying happens once per order). */
  queried: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface MarketplaceWorldOptions {
  seed?: MarketplaceSeed;
  /** Delay between vendor steps; 'manual' = only advance() moves orders. Default 1000 ms. */
  stepDelayMs?: number | 'manual';
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Adobe VIP: seats can be reduced in the 14 days after each anniversary. */
export const ANNIVERSARY_WINDOW_DAYS = 14;
const FINAL: MarketplaceOrderStatus[] = ['Completed', 'Failed', 'Deleted'];

export class MarketplaceWorld {
  readonly tokens = new Map<string, MarketplaceSeedToken>();
  readonly items: MarketplaceSeedItem[];
  readonly agreements = new Map<string, MarketplaceAgreement>();
  readonly subscriptions = new Map<string, MarketplaceSubscription>();
  readonly orders = new Map<string, MarketplaceOrder>();
  readonly now: () => Date;
  private readonly stepDelayMs: number | 'manual';
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private counter = 0;

  constructor(private readonly options: MarketplaceWorldOptions = {}) {
    const seed = options.seed ?? marketplaceSeed();
    this.now = options.now ?? (() => new Date());
    this.stepDelayMs = options.stepDelayMs ?? 1000;
    const now = this.now();
    for (const t of seed.tokens) this.tokens.set(t.token, { ...t });
    this.items = seed.items.map((i) => ({ ...i }));
    for (const a of seed.agreements) {
      const licensee = seed.tokens.find((t) => t.customerId === a.customerId)?.licensee ?? { id: 'LCE-0000-0000', name: 'Unknown' };
      this.agreements.set(a.id, {
        id: a.id,
        name: a.name,
        customerId: a.customerId,
        licensee: { ...licensee },
        productId: a.productId,
        status: 'Active',
        ...(a.purchaseOrderNumber ? { purchaseOrderNumber: a.purchaseOrderNumber } : {}),
        createdAt: new Date(now.getTime() - 400 * DAY_MS),
      });
    }
    for (const s of seed.subscriptions) {
      this.subscriptions.set(s.id, {
        id: s.id,
        customerId: s.customerId,
        agreementId: s.agreementId,
        itemId: s.itemId,
        quantity: s.quantity,
        status: 'Active',
        startDate: new Date(now.getTime() - s.startedDaysAgo * DAY_MS),
        autoRenew: s.autoRenew,
        assignedEmails: [...s.assignedEmails],
      });
    }
  }

  item(id: string): MarketplaceSeedItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  /** A new id in the platform's shape, e.g. ORD-5100-0000-0003. */
  newId(prefix: 'ORD' | 'SUB' | 'AGR' | 'ALI'): string {
    this.counter += 1;
    return `${prefix}-5100-${String(1000 + Math.floor(this.counter / 10000)).padStart(4, '0')}-${String(this.counter % 10000).padStart(4, '0')}`;
  }

  /** The latest anniversary of the start (the start itself in the first year), and the next one. */
  anniversaries(subscription: MarketplaceSubscription): { last: Date; next: Date; inWindow: boolean } {
    const now = this.now();
    let last = new Date(subscription.startDate);
    for (;;) {
      const candidate = new Date(last);
      candidate.setUTCFullYear(candidate.getUTCFullYear() + 1);
      if (candidate > now) {
        return { last, next: candidate, inWindow: now.getTime() - last.getTime() <= ANNIVERSARY_WINDOW_DAYS * DAY_MS };
      }
      last = candidate;
    }
  }

  addOrder(order: Omit<MarketplaceOrder, 'id' | 'status' | 'queried' | 'createdAt' | 'updatedAt' | 'fulfillment'>): MarketplaceOrder {
    const now = this.now();
    const created: MarketplaceOrder = {
      ...order,
      id: this.newId('ORD'),
      status: 'Draft',
      queried: false,
      fulfillment: [],
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(created.id, created);
    this.schedule(created);
    return created;
  }

  /** The client processed a Draft or submitted its answers: Processing, the vendor looks on the next step. */
  resume(order: MarketplaceOrder): void {
    if (order.status === 'Draft')
      for (const s of this.orderSubscriptions(order)) s.status = order.type === 'Termination' ? 'Terminating' : 'Updating';
    order.draft = false;
    this.setStatus(order, 'Processing');
    this.schedule(order);
  }

  /** One vendor step for every unfinished order (or the one named); returns the orders moved. */
  advance(orderId?: string): MarketplaceOrder[] {
    const orders = orderId ? [this.orders.get(orderId)].filter((o): o is MarketplaceOrder => o !== undefined) : [...this.orders.values()];
    return orders.filter((o) => this.step(o));
  }

  /**
   * Back to the seeded agreements, subscriptions and tokens, with no orders, in place (the
   * emulator holds this object). Order ids keep counting, so that a client still following
   * an order from before never meets another order under its id.
   */
  reset(): void {
    this.stop();
    Object.assign(this, new MarketplaceWorld(this.options), { counter: this.counter });
  }

  /** Stops the vendor clock (sandbox shutdown). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(order: MarketplaceOrder): void {
    if (this.stepDelayMs === 'manual' || FINAL.includes(order.status) || order.status === 'Querying' || order.draft) return;
    clearTimeout(this.timers.get(order.id));
    const timer = setTimeout(() => {
      this.timers.delete(order.id);
      if (this.step(order)) this.schedule(order);
    }, this.stepDelayMs);
    timer.unref();
    this.timers.set(order.id, timer);
  }

  private setStatus(order: MarketplaceOrder, status: MarketplaceOrderStatus): void {
    order.status = status;
    order.updatedAt = this.now();
  }

  /** Moves one order one step; false when it waits (Querying, stuck, final). */
  private step(order: MarketplaceOrder): boolean {
    if (order.draft) return false; // waits for the client's process action
    if (order.status === 'Draft') {
      this.setStatus(order, 'Processing');
      for (const s of this.orderSubscriptions(order)) s.status = order.type === 'Termination' ? 'Terminating' : 'Updating';
      return true;
    }
    if (order.status !== 'Processing') return false;
    const item = this.item(order.lines[0]?.itemId ?? this.subscriptions.get(order.subscriptionIds[0] ?? '')?.itemId ?? '');
    const behaviour = item?.vendorBehaviour ?? { kind: 'completes' as const };
    if (behaviour.kind === 'stuck') return false;
    if (behaviour.kind === 'fails') {
      order.statusNotes = { id: 'VND-0001', message: behaviour.reason };
      this.setStatus(order, 'Failed');
      for (const s of this.orderSubscriptions(order)) s.status = 'Active';
      return true;
    }
    if (behaviour.kind === 'queries' && order.type === 'Purchase') {
      if (!order.queried) {
        order.queried = true;
        order.fulfillment = behaviour.parameters.map((p) => ({ ...p, value: '' }));
        this.setStatus(order, 'Querying');
        return true;
      }
      let rejected = false;
      for (const p of order.fulfillment) {
        p.rejected = !valueAccepted(p, p.value);
        rejected ||= p.rejected;
      }
      if (rejected) {
        this.setStatus(order, 'Querying');
        return true;
      }
    }
    this.complete(order);
    return true;
  }

  private orderSubscriptions(order: MarketplaceOrder): MarketplaceSubscription[] {
    const ids = [...order.subscriptionIds, ...order.lines.map((l) => l.subscriptionId).filter((id): id is string => id !== undefined)];
    return [...new Set(ids)].map((id) => this.subscriptions.get(id)).filter((s): s is MarketplaceSubscription => s !== undefined);
  }

  private complete(order: MarketplaceOrder): void {
    if (order.type === 'Purchase') {
      for (const line of order.lines) {
        const subscription: MarketplaceSubscription = {
          id: this.newId('SUB'),
          customerId: order.customerId,
          agreementId: order.agreementId,
          itemId: line.itemId,
          quantity: line.quantity,
          status: 'Active',
          startDate: this.now(),
          autoRenew: true,
          assignedEmails: [],
        };
        this.subscriptions.set(subscription.id, subscription);
        line.subscriptionId = subscription.id;
      }
    } else if (order.type === 'Configuration') {
      for (const c of order.configuration ?? []) {
        const s = this.subscriptions.get(c.subscriptionId);
        if (s) {
          s.autoRenew = c.autoRenew;
          s.status = 'Active';
        }
      }
    } else if (order.type === 'Change') {
      for (const line of order.lines) {
        const s = line.subscriptionId ? this.subscriptions.get(line.subscriptionId) : undefined;
        if (s) {
          s.quantity = line.quantity;
          s.status = 'Active';
        }
      }
    } else {
      for (const s of this.orderSubscriptions(order)) s.status = 'Terminated';
    }
    order.fulfillment = order.fulfillment.map((p) => ({ ...p, rejected: false }));
    this.setStatus(order, 'Completed');
  }
}

export function valueAccepted(parameter: MarketplaceSeedParameter, value: string): boolean {
  if (!value.trim()) return false;
  if (parameter.options && !parameter.options.includes(value)) return false;
  return parameter.pattern ? new RegExp(parameter.pattern, 'u').test(value) : true;
}
