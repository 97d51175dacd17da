// How a license request looks on a card, for each viewer: approvers of the current stage
// get the buttons, the requester gets "cancel" while it is possible, everyone else status.
import { formatMoney, formatMonthly } from '../domain/money.js';
import { canDecide, requestMonthlyCost, statusText, type LicenseRequest } from '../domain/request.js';
import type { CatalogOffer } from '../connectors/ports.js';
import type { RequestForm } from '../services/requests.js';
import type { CardData } from './cards.js';

export interface Viewer {
  /** Entra object id; absent for a channel copy (everyone sees status). */
  aadObjectId?: string;
}

const COLORS: Record<LicenseRequest['status'], CardData['approval']['statusColor']> = {
  pending: 'Warning',
  approved: 'Accent',
  fulfilling: 'Accent',
  completed: 'Good',
  rejected: 'Attention',
  cancelled: 'Default',
  expired: 'Default',
  failed: 'Attention',
};

export function approvalCardData(request: LicenseRequest, viewer: Viewer, options: { freeSeats?: number; refreshUserIds?: string[] } = {}): CardData['approval'] {
  const mayDecide = !!viewer.aadObjectId && canDecide(request, viewer.aadObjectId);
  const isRequester = !!viewer.aadObjectId && viewer.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
  return {
    requestId: request.id,
    title: `${request.product.name} for ${request.beneficiary.name}`,
    statusLabel: statusLine(request),
    statusColor: COLORS[request.status],
    requesterName: request.requester.name,
    beneficiaryName: `${request.beneficiary.name} (${request.beneficiary.upn})`,
    productName: request.product.name,
    quantity: String(request.quantity),
    cost: `${formatMoney(request.unitPrice)} per seat, ${formatMonthly(requestMonthlyCost(request))}`,
    freeSeats: options.freeSeats === undefined ? (request.status === 'pending' ? 'checked when assigning' : '—') : options.freeSeats === 0 ? 'none (a seat will be bought)' : String(options.freeSeats),
    stageLabel: request.stages.length === 0 ? 'Approved automatically by policy' : request.stages.map((s, i) => `Step ${i + 1}: ${s.label}`).join(', then '),
    justification: request.justification,
    note: mayDecide ? 'You are an approver of this step.' : '',
    history: request.decisions.map((d) => ({
      line: `${d.at.slice(0, 16).replace('T', ' ')} UTC: ${d.approverName} ${d.decision === 'approve' ? 'approved' : 'rejected'} step ${d.stageIndex + 1}${d.comment ? `: "${d.comment}"` : ''}`,
    })),
    canDecide: mayDecide,
    canCancel: isRequester && (request.status === 'pending' || request.status === 'approved'),
    stageIndex: request.stageIndex,
    refreshUserIds: options.refreshUserIds ?? [],
  };
}

function statusLine(request: LicenseRequest): string {
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
    products: form.catalog.map((o) => ({ title: `${o.name} (${formatMoney(o.unitPrice)})`, value: o.offerId })),
    selectedOfferId: selected?.offerId ?? '',
    selectedPrice: selected ? priceLine(selected) : '',
    quantity: form.values.quantity ?? 1,
    maxQuantity: form.limits.maxQuantity,
    forWhom: form.values.forWhom ?? '',
    justification: form.values.justification ?? '',
    justificationLabel: form.limits.requireJustification ? 'Why do you need it? (required)' : 'Why do you need it?',
    errors: { productOfferId: errors.productOfferId ?? '', quantity: errors.quantity ?? '', forWhom: errors.forWhom ?? '', justification: errors.justification ?? '' },
    priceList: form.catalog.map((o) => ({ name: o.name, price: `${formatMoney(o.unitPrice)}, ${term(o)}` })),
  };
}

function priceLine(offer: CatalogOffer): string {
  return `${formatMoney(offer.unitPrice)} per seat per month, ${term(offer)}, billed ${offer.billingCycle}`;
}

function term(offer: CatalogOffer): string {
  return offer.termDuration === 'P1Y' ? '1-year term' : 'monthly term';
}

/** One line per request for lists ("my requests", "approvals"). */
export function requestLine(request: LicenseRequest): { heading: string; detail: string } {
  return {
    heading: `${request.id}: ${request.quantity} × ${request.product.name} for ${request.beneficiary.name}`,
    detail: `${statusLine(request)} · requested ${request.createdAt.slice(0, 10)} by ${request.requester.name}`,
  };
}
