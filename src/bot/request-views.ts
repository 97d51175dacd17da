// How a license request looks on a card, for each viewer: approvers of the current stage
// get the buttons, the requester gets "cancel" while it is possible, everyone else status.
import { formatMoney, monthlyCost, multiply } from '../domain/money.js';
import { describeChange, type SubscriptionChange } from '../domain/subscription-change.js';
import { canDecide, requestHeadline, requestMonthlyCost, statusText, type LicenseRequest } from '../domain/request.js';
import type { CatalogOffer } from '../services/catalog.js';
import type { RequestForm, RequestReview } from '../services/requests.js';
import type { CardData } from './cards.js';

/** A request as stored: marketplace fulfilment says when the vendor is waiting on a person's answer. */
type ShownRequest = LicenseRequest & { fulfilment?: { orderStatus?: string; vendor?: string } };

export interface Viewer {
  /** Entra object id; absent for a channel copy (everyone sees status). */
  aadObjectId?: string;
}

const COLORS: Record<LicenseRequest['status'], CardData['approval']['statusColor']> = {
  pending: 'Accent', // yellow (Warning) is hard to read on white
  approved: 'Accent',
  fulfilling: 'Accent',
  completed: 'Good',
  rejected: 'Attention',
  cancelled: 'Default',
  expired: 'Default',
  failed: 'Attention',
};

export function approvalCardData(
  request: ShownRequest,
  viewer: Viewer,
  options: { freeSeats?: number; refreshUserIds?: string[]; quota?: { seats: number; used: number } } = {},
): CardData['approval'] {
  const unitQuota = request.unit && (options.quota ?? request.unit.quota);
  const mayDecide = !!viewer.aadObjectId && canDecide(request, viewer.aadObjectId);
  const isRequester = !!viewer.aadObjectId && viewer.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
  const change = request.change;
  return {
    requestId: request.id,
    title: change ? `${describeChange(change)}: ${request.product.name}` : `${request.product.name} for ${request.beneficiary.name}`,
    statusLabel: statusLine(request),
    statusColor: COLORS[request.status],
    requesterName: request.requester.name,
    beneficiaryName: change ? '' : `${request.beneficiary.name} (${request.beneficiary.upn})`,
    productName: request.product.name,
    quantity: change ? changeSeats(change) : String(request.quantity),
    cost: change
      ? changeCost(request)
      : request.quantity === 1
        ? `${formatMoney(request.unitPrice)} per month`
        : `${formatMoney(request.unitPrice)} per seat per month, ${formatMoney(requestMonthlyCost(request))} per month in all`,
    freeSeats:
      request.status !== 'pending' || change
        ? ''
        : options.freeSeats === undefined
          ? 'checked when assigning'
          : options.freeSeats === 0
            ? 'none (a seat will be bought)'
            : String(options.freeSeats),
    quota:
      request.unit && unitQuota
        ? `${request.unit.name}: ${Math.max(0, unitQuota.seats - unitQuota.used)} of ${unitQuota.seats} left${request.unit.disabledPlanNames.length ? ` (assigned without ${request.unit.disabledPlanNames.join(', ')})` : ''}`
        : '',
    escalation: request.status === 'pending' ? (request.stages[request.stageIndex]?.escalation ?? '') : '',
    stageLabel:
      request.stages.length === 0
        ? request.approvalWaived
          ? 'Approved automatically: your license settings need no approval'
          : 'Approved automatically by policy'
        : request.stages.map((s, i) => `Step ${i + 1}: ${s.label}`).join(', then '),
    justification: request.justification,
    note: mayDecide ? 'You are an approver of this step.' : yourDecision(request, viewer),
    history: request.decisions.map((d) => ({
      line: `${d.at.slice(0, 16).replace('T', ' ')} UTC: ${d.approverName} ${d.decision === 'approve' ? 'approved' : 'rejected'} step ${d.stageIndex + 1}${d.comment ? `: "${d.comment}"` : ''}`,
    })),
    canDecide: mayDecide,
    canCancel: isRequester && (request.status === 'pending' || request.status === 'approved'),
    stageIndex: request.stageIndex,
    refreshUserIds: options.refreshUserIds ?? [],
  };
}

function changeSeats(change: SubscriptionChange): string {
  if (change.action === 'reduce-at-renewal')
    return `${change.before.quantity} now, ${change.after.scheduledQuantity ?? change.before.quantity} from ${change.before.commitmentEndDate.slice(0, 10)}`;
  return change.before.quantity === change.after.quantity
    ? `${change.before.quantity} (unchanged)`
    : `${change.before.quantity} → ${change.after.quantity}`;
}

function changeCost(request: LicenseRequest): string {
  const change = request.change!;
  const per = formatMoney(request.unitPrice);
  if (change.action === 'add-seats') return `+${formatMoney(requestMonthlyCost(request))} per month (${per} per seat)`;
  if (change.action === 'remove-seats')
    return `−${formatMoney(monthlyCost(request.unitPrice, change.seats ?? 0))} per month, refunded for the rest of the term`;
  if (change.action === 'reduce-at-renewal')
    return `−${formatMoney(monthlyCost(request.unitPrice, change.before.quantity - (change.after.scheduledQuantity ?? change.before.quantity)))} per month from renewal`;
  if (change.action === 'suspend') return 'Still billed while suspended';
  return 'No change now';
}

/** "You approved step 1." for an approver looking at a request they decided. */
function yourDecision(request: LicenseRequest, viewer: Viewer): string {
  const mine =
    viewer.aadObjectId && request.decisions.filter((d) => d.approverId.toLowerCase() === viewer.aadObjectId!.toLowerCase()).at(-1);
  return mine ? `You ${mine.decision === 'approve' ? 'approved' : 'rejected'} step ${mine.stageIndex + 1}.` : '';
}

function statusLine(request: ShownRequest): string {
  // The vendor asked something (the marketplace order is Querying): the order waits for an answer.
  if (request.status === 'fulfilling' && request.fulfilment?.orderStatus === 'Querying')
    return `Approved; the order waits for an answer to ${request.fulfilment.vendor ?? 'the vendor'}'s question (the requester has the card)`;
  switch (request.status) {
    case 'pending':
      return statusText(request);
    case 'completed':
      return `Done. ${request.outcome?.message ?? ''}`.trim();
    case 'rejected': {
      const last = request.decisions.at(-1);
      return `Rejected by ${last?.approverName ?? 'an approver'}${last?.comment ? `: "${last.comment}"` : ''}`;
    }
    case 'failed':
      return `Could not be completed: ${request.outcome?.message ?? ''}`;
    default:
      return statusText(request);
  }
}

export function requestFormData(form: RequestForm): CardData['request-form'] {
  const selected = form.catalog.find((o) => o.offerId === form.values.productOfferId);
  const errors = form.errors;
  return {
    general: errors.form ?? (Object.keys(errors).length > 0 ? 'Please fix the fields marked below.' : ''),
    // The price and term sit in each choice: no separate price list on every form.
    products: form.catalog.map((o) => ({
      title: `${o.name}${soldBy(o)}: ${formatMoney(o.unitPrice)} per month, ${term(o)}`,
      value: o.offerId,
    })),
    selectedOfferId: selected?.offerId ?? '',
    selectedPrice: selected ? priceLine(selected) : '',
    quantity: form.values.quantity ?? 1,
    maxQuantity: form.limits.maxQuantity,
    forWhom: form.values.forWhom ?? '',
    justification: form.values.justification ?? '',
    justificationRequired: form.limits.requireJustification,
    errors: {
      productOfferId: errors.productOfferId ?? '',
      quantity: errors.quantity ?? '',
      forWhom: errors.forWhom ?? '',
      justification: errors.justification ?? '',
    },
  };
}

/** The review before anything is stored: "2 × Visio Plan 2 at 15.00 USD each = 30.00 USD per month". */
export function requestConfirmData(review: RequestReview): CardData['request-confirm'] {
  const { offer, quantity, beneficiary } = review;
  const perMonth = monthlyCost(offer.unitPrice, quantity);
  const annual = offer.billingCycle === 'annual';
  const forWhom = beneficiary.isRequester ? `You (${beneficiary.name})` : `${beneficiary.name} (${beneficiary.upn})`;
  return {
    headline: `${quantity} × ${offer.name}${soldBy(offer)} for ${beneficiary.isRequester ? 'you' : beneficiary.name}`,
    total:
      `${quantity} × ${formatMoney(offer.unitPrice)} per month = ${formatMoney(perMonth)} per month` +
      (annual ? `, billed annually: ${formatMoney(multiply(perMonth, 12))} per year` : ''),
    facts: [
      { title: 'Product', value: `${offer.name}${soldBy(offer)}` },
      { title: 'For', value: forWhom },
      { title: 'Licenses', value: String(quantity) },
      { title: 'Price', value: priceLine(offer) },
      ...(review.values.justification ? [{ title: 'Why', value: review.values.justification }] : []),
    ],
    several: quantity > 1,
    severalQuestion:
      quantity > 1
        ? `One person normally needs one license. You ask for ${quantity} for ${beneficiary.isRequester ? 'yourself' : beneficiary.name}: say why, or choose Change and ask for 1.`
        : '',
    severalReason: review.severalReason,
    severalError: review.errors.severalReason ?? '',
    confirmTitle: quantity > 1 ? `Confirm ${quantity} licenses` : 'Confirm and send',
    values: review.values,
  };
}

/** Marketplace products name their vendor: " · Adobe via Marketplace". */
function soldBy(offer: CatalogOffer): string {
  return offer.provider === 'marketplace' ? ` · ${offer.vendor ?? 'vendor'} via Marketplace` : '';
}

function priceLine(offer: CatalogOffer): string {
  return `${formatMoney(offer.unitPrice)} per seat per month, ${term(offer)}, billed ${offer.billingCycle === 'annual' ? 'annually' : 'monthly'}`;
}

function term(offer: CatalogOffer): string {
  return offer.termDuration === 'P1Y' ? '1-year term' : 'monthly term';
}

/** One line per request for lists ("my requests", "approvals"). */
export function requestLine(request: ShownRequest): { heading: string; detail: string } {
  return {
    heading: `${request.id}: ${requestHeadline(request)}`,
    detail: `${statusLine(request)} · requested ${request.createdAt.slice(0, 10)} by ${request.requester.name}`,
  };
}
