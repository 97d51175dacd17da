// Teams surface of partner mode: the partner admins' `customers` card (each customer tenant,
// its Partner Center customer and state; Link for a proposed one, Unlink for a linked one;
// its reseller, cost and price with margin), which a reseller's admins also get for the
// customers assigned to them. The partner workspace and reseller services decide who may act
// and re-check every id a card sends.
import { z } from 'zod';
import type { PartnerCustomers, PartnerWorkspace } from '../services/partner-workspace.js';
import { ONLY_PARTNER_ADMINS, type PartnerCustomerLink } from '../services/partner-workspace.js';
import type { Outcome } from '../services/outcome.js';
import type { CustomerFacts, PartnerCustomerFacts } from '../services/partner-customer-facts.js';
import type { CustomerPricingView, PartnerResellers } from '../services/partner-resellers.js';
import type { CardRenderer } from './cards.js';
import { answer, card, refusal, type ActionTurn, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface PartnerFeatureDeps {
  cards: CardRenderer;
  partners: PartnerWorkspace;
  /** Subscriptions, monthly cost and price and open requests of a linked customer. */
  facts: PartnerCustomerFacts;
  /** Each customer's reseller and margin. */
  resellers: PartnerResellers;
}

/** A customer's margin in words: "12.5 % (its reseller's)". */
function marginText(view: CustomerPricingView | undefined): string {
  if (!view?.margin) return 'none: sold at cost';
  return `${view.margin.percent} % (${view.margin.from === 'customer' ? 'its own' : "its reseller's"})`;
}

const PARTNER_ADMINS = ['partner-admin'] as const;
const PARTNER_AND_RESELLER_ADMINS = ['partner-admin', 'reseller-admin'] as const;
const BAD_CARD = 'This card sent something I cannot use. Type customers for a fresh one.';
/** A row's button: the customer's tenant id (checked again against Partner Center by the service). */
const TenantId = z.string().regex(/^[0-9A-Za-z-]{1,64}$/);
const CustomerClick = z.object({ customerTenantId: TenantId });
/** Set margin on the `customer` card: the customer and what was typed (checked by the service). */
const MarginClick = z.object({ customerTenantId: TenantId, margin: z.string().max(1000).optional() });
/** Assign on the confirmation card: the customer and the reseller Partner Center named. */
const AssignClick = z.object({ customerTenantId: TenantId, resellerTenantId: TenantId });

const STATE_TEXT = {
  linked: 'Linked: its purchases go through your Partner Center',
  proposed: 'Proposed: same tenant id as your Partner Center customer; confirm with Link',
  'not-linked': 'Not linked (the tenant does not use Quartermaster yet; Link ahead if you wish)',
} as const;

/** Customers on one card: a card stays under Teams' size limit (about 28 KB) however many the partner serves. */
export const CUSTOMERS_SHOWN = 20;

export function partnerCustomersCardData(
  customers: PartnerCustomers,
  note?: { text: string; color: 'Good' | 'Warning' },
  facts: ReadonlyMap<string, CustomerFacts> = new Map(),
  pricing: ReadonlyMap<string, CustomerPricingView> = new Map(),
  /** Partner admins link, assign and manage resellers; a reseller's admins only see. */
  partnerAdmin = true,
) {
  const count = (state: keyof typeof STATE_TEXT) => customers.rows.filter((r) => r.state === state).length;
  return {
    partnerName: customers.partnerName,
    summary:
      customers.rows.length === 0
        ? 'No customers yet.'
        : `${count('linked')} linked, ${count('proposed')} proposed, ${count('not-linked')} not linked.` +
          (customers.rows.length > CUSTOMERS_SHOWN
            ? ` Shown here: the first ${CUSTOMERS_SHOWN} of ${customers.rows.length}; type customer <name> for any of them.`
            : ''),
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    problem: customers.partnerCenterProblem ?? '',
    canManageResellers: partnerAdmin,
    ...resellerOwnCheckData(customers),
    rows: customers.rows.slice(0, CUSTOMERS_SHOWN).map((r) => ({
      customerTenantId: r.customerTenantId,
      companyName: r.companyName,
      domain: r.domain || '—',
      pcCustomer: r.pcCustomerId ?? 'no longer listed by Partner Center',
      // A reseller's customers buy through the partner's Partner Center, not the reseller's.
      stateText:
        !partnerAdmin && r.state === 'linked'
          ? `Linked: its purchases go through ${customers.ownPartnerCenter?.partnerName ?? 'your partner'}'s Partner Center`
          : STATE_TEXT[r.state],
      reseller: r.reseller ?? 'none (direct)',
      subscriptions: facts.get(r.customerTenantId)?.subscriptions ?? '—',
      monthlyCost: facts.get(r.customerTenantId)?.monthlyCost ?? '—',
      monthlyPrice: facts.get(r.customerTenantId)?.monthlyPrice ?? '—',
      assignedTo: assignedText(pricing.get(r.customerTenantId), r.state === 'linked'),
      margin: r.state === 'linked' ? marginText(pricing.get(r.customerTenantId)) : '—',
      openRequests: facts.get(r.customerTenantId)?.openRequests ?? '—',
      alerts: facts.get(r.customerTenantId)?.alerts ?? '—',
      canLink: partnerAdmin && r.state !== 'linked',
      canUnlink: partnerAdmin && r.state === 'linked',
      canAssign: partnerAdmin && r.state === 'linked' && !!pricing.get(r.customerTenantId)?.proposal,
      assignTitle: `Assign to ${pricing.get(r.customerTenantId)?.proposal?.resellerName ?? 'its reseller'}`,
      inOwnPartnerCenter:
        r.inOwnPartnerCenter === undefined
          ? ''
          : r.inOwnPartnerCenter
            ? 'yes'
            : `no: not in your Partner Center customer list — ask ${customers.ownPartnerCenter?.partnerName ?? 'your partner'} to check the assignment`,
    })),
  };
}

/** A reseller admin's card: its own Partner Center beside the assignments (empty for a partner admin). */
function resellerOwnCheckData(customers: PartnerCustomers) {
  const own = customers.ownPartnerCenter;
  const checked = customers.rows.filter((r) => r.inOwnPartnerCenter !== undefined);
  const listed = checked.filter((r) => r.inOwnPartnerCenter).length;
  const ownCheck = !own
    ? ''
    : (own.problem ??
      (checked.length === 0
        ? 'Checked against your own Partner Center: no customer is assigned to you yet.'
        : `Checked against your own Partner Center: ${listed} of ${checked.length} assigned ${checked.length === 1 ? 'customer is' : 'customers are'} in its customer list.`));
  return {
    ownCheck,
    ownCheckColor: own?.problem || listed < checked.length ? 'Warning' : 'Default',
    notAssignedTitle:
      own && own.notAssigned.length > 0
        ? own.notAssigned.length === 1
          ? `Your Partner Center also lists this customer under your account, not assigned to you by ${own.partnerName} (if it buys through ${own.partnerName}, ask them to assign it):`
          : `Your Partner Center also lists these customers under your account, not assigned to you by ${own.partnerName} (those that buy through ${own.partnerName}: ask them to assign them):`
        : '',
    notAssigned: (own?.notAssigned ?? []).map((c) => ({ text: c.domain ? `${c.companyName} (${c.domain})` : c.companyName })),
  };
}

function assignedText(view: CustomerPricingView | undefined, linked: boolean): string {
  if (!linked) return '—';
  if (view?.assignedTo)
    return view.proposal ? `${view.assignedTo} (Partner Center now names ${view.proposal.resellerName})` : view.assignedTo;
  if (view?.proposal) return `none yet: Partner Center names ${view.proposal.resellerName}; confirm with Assign`;
  if (view?.notAdded) return `none: Partner Center names ${view.notAdded}, not added yet (type resellers)`;
  return 'none';
}

/** The `customer <name>` card: one linked customer, its figures, and buttons that act as its admin. */
export function partnerCustomerCardData(
  partnerName: string,
  link: Pick<PartnerCustomerLink, 'companyName' | 'domain' | 'customerTenantId' | 'pcCustomerId'>,
  facts: CustomerFacts,
  pricing: CustomerPricingView = {},
  form: { marginValue?: string; marginError?: string; note?: { text: string; color: 'Good' | 'Attention' } } = {},
) {
  return {
    partnerName,
    companyName: link.companyName,
    domain: link.domain || '—',
    customerTenantId: link.customerTenantId,
    pcCustomer: link.pcCustomerId,
    ...facts,
    assignedTo: pricing.assignedTo ?? 'none (buys from the partner directly)',
    margin: marginText(pricing),
    marginValue: form.marginValue ?? pricing.customerMargin ?? '',
    marginError: form.marginError ?? '',
    note: form.note?.text ?? '',
    noteColor: form.note?.color ?? 'Default',
  };
}

export function partnerFeature(surface: Surface, d: PartnerFeatureDeps): void {
  const render = async (
    turn: Turn,
    outcome: Outcome<PartnerCustomers>,
    noted: boolean | { text: string; color: 'Good' | 'Warning' },
  ): Promise<Reply> => {
    if (!outcome.ok) return refusal(outcome);
    // Figures only for the customers the service returned as linked to this partner (or assigned to this reseller).
    const linked = outcome.value.rows
      .slice(0, CUSTOMERS_SHOWN)
      .filter((r) => r.state === 'linked')
      .map((r) => r.customerTenantId);
    const [facts, pricing, roles] = await Promise.all([
      Promise.all(linked.map(async (id) => [id, await d.facts.of(id)] as const)).then((pairs) => new Map(pairs)),
      d.resellers.pricingOf(outcome.value.partnerTenantId, linked),
      turn.roles(),
    ]);
    const partnerAdmin = roles.includes('partner-admin');
    const note =
      typeof noted === 'object' ? noted : noted && outcome.message ? { text: outcome.message, color: 'Good' as const } : undefined;
    return card(d.cards.render('partner-customers', partnerCustomersCardData(outcome.value, note, facts, pricing, partnerAdmin)));
  };

  const show = async (turn: Turn): Promise<Reply> => render(turn, await d.partners.customers(turn.actor), false);
  const link = async (turn: ActionTurn<z.infer<typeof CustomerClick>>): Promise<Reply> =>
    render(turn, await d.partners.link(turn.actor, turn.data.customerTenantId), true);
  const unlink = async (turn: ActionTurn<z.infer<typeof CustomerClick>>): Promise<Reply> =>
    render(turn, await d.partners.unlink(turn.actor, turn.data.customerTenantId), true);

  /** The `customer` card of a linked customer, with what a margin change said (or refused, beside the field). */
  const customerCard = async (
    actor: Turn['actor'],
    link: PartnerCustomerLink,
    form: Parameters<typeof partnerCustomerCardData>[4] = {},
  ): Promise<Reply> => {
    const [facts, pricing] = await Promise.all([d.facts.of(link.customerTenantId), d.resellers.pricingFor(actor, link)]);
    const served = await d.partners.partnerOf(link.customerTenantId);
    return card(
      d.cards.render(
        'partner-customer',
        partnerCustomerCardData(served?.partnerName ?? (await d.partners.partnerName(actor.tenantId)), link, facts, pricing, form),
      ),
    );
  };
  const oneCustomer = async ({ actor, argument }: CommandTurn): Promise<Reply> =>
    answer(await d.partners.customerNamed(actor, argument), (link) => customerCard(actor, link));

  const setCustomerMargin = async ({ actor, data }: ActionTurn<z.infer<typeof MarginClick>>): Promise<Reply> => {
    const outcome = await d.resellers.setCustomerMargin(actor, data.customerTenantId, data.margin ?? '');
    if (outcome.ok) return customerCard(actor, outcome.value, { note: { text: outcome.message, color: 'Good' } });
    if (outcome.reason !== 'invalid' || !outcome.fields) return refusal(outcome);
    // Refused input: the card again, with what was typed kept and the problem beside the field.
    const link = await d.partners.customerOf(actor, data.customerTenantId, 'partner.customer.margin');
    if (!link.ok) return refusal(link);
    return customerCard(actor, link.value, {
      marginValue: (data.margin ?? '').slice(0, 20),
      marginError: outcome.fields.margin ?? outcome.message,
      note: { text: outcome.message, color: 'Attention' },
    });
  };

  const propose = async ({ actor, data }: ActionTurn<z.infer<typeof CustomerClick>>): Promise<Reply> =>
    answer(await d.resellers.proposal(actor, data.customerTenantId), ({ customer, reseller, current }) =>
      card(
        d.cards.render('partner-reseller-assign', {
          companyName: customer.companyName,
          customerTenantId: customer.customerTenantId,
          resellerName: reseller.displayName,
          resellerTenantId: reseller.resellerTenantId,
          current: current ?? '',
        }),
      ),
    );
  const assign = async (turn: ActionTurn<z.infer<typeof AssignClick>>): Promise<Reply> => {
    const outcome = await d.resellers.assign(turn.actor, turn.data.customerTenantId, turn.data.resellerTenantId);
    if (!outcome.ok) return refusal(outcome);
    return render(turn, await d.partners.customers(turn.actor), { text: outcome.message, color: 'Good' });
  };

  // Clicks on the cards `customer <name>` gives act in the customer's tenant, as its admin, once the
  // workspace has checked the tenant is a linked customer of this partner admin's partner.
  surface.actOnBehalfWith((actor, customerTenantId, verb) => d.partners.actingFor(actor, customerTenantId, `card:${verb}`));

  const access = { roles: PARTNER_ADMINS, refusal: ONLY_PARTNER_ADMINS };
  const viewers = { roles: PARTNER_AND_RESELLER_ADMINS, refusal: ONLY_PARTNER_ADMINS };
  surface.command({ name: 'customer', refusal: ONLY_PARTNER_ADMINS, run: oneCustomer });
  surface.command({ name: 'customers', refusal: ONLY_PARTNER_ADMINS, run: show });
  surface.action({ verb: 'partnerCustomers', ...viewers, run: show });
  // No early role check: a forged click reaches the services, which refuse and audit it.
  surface.action({ verb: 'partnerSetCustomerMargin', schema: MarginClick, badData: BAD_CARD, run: setCustomerMargin });
  surface.action({ verb: 'partnerProposeReseller', schema: CustomerClick, badData: BAD_CARD, run: propose });
  surface.action({ verb: 'partnerAssignReseller', schema: AssignClick, badData: BAD_CARD, run: assign });
  surface.action({ verb: 'partnerLinkCustomer', ...access, schema: CustomerClick, badData: BAD_CARD, run: link });
  surface.action({ verb: 'partnerUnlinkCustomer', ...access, schema: CustomerClick, badData: BAD_CARD, run: unlink });
}
