// Teams surface of partner mode: the partner admins' `customers` card (each customer tenant,
// its Partner Center customer and state; Link for a proposed one, Unlink for a linked one).
// The partner workspace service decides who may act and re-checks every id a card sends.
import { z } from 'zod';
import type { PartnerCustomers, PartnerWorkspace } from '../services/partner-workspace.js';
import { ONLY_PARTNER_ADMINS, type PartnerCustomerLink } from '../services/partner-workspace.js';
import type { Outcome } from '../services/outcome.js';
import type { CustomerFacts, PartnerCustomerFacts } from '../services/partner-customer-facts.js';
import type { CardRenderer } from './cards.js';
import { answer, card, refusal, type ActionTurn, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface PartnerFeatureDeps {
  cards: CardRenderer;
  partners: PartnerWorkspace;
  /** Subscriptions, monthly cost and open requests of a linked customer. */
  facts: PartnerCustomerFacts;
}

const PARTNER_ADMINS = ['partner-admin'] as const;
const BAD_CARD = 'This card sent something I cannot use. Type customers for a fresh one.';
/** A row's button: the customer's tenant id (checked again against Partner Center by the service). */
const CustomerClick = z.object({ customerTenantId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/) });

const STATE_TEXT = {
  linked: 'Linked: its purchases go through your Partner Center',
  proposed: 'Proposed: same tenant id as your Partner Center customer; confirm with Link',
  'not-linked': 'Not linked (the tenant does not use Quartermaster yet; Link ahead if you wish)',
} as const;

export function partnerCustomersCardData(
  customers: PartnerCustomers,
  note?: { text: string; color: 'Good' | 'Warning' },
  facts: ReadonlyMap<string, CustomerFacts> = new Map(),
) {
  const count = (state: keyof typeof STATE_TEXT) => customers.rows.filter((r) => r.state === state).length;
  return {
    partnerName: customers.partnerName,
    summary:
      customers.rows.length === 0
        ? 'No customers yet.'
        : `${count('linked')} linked, ${count('proposed')} proposed, ${count('not-linked')} not linked.`,
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    problem: customers.partnerCenterProblem ?? '',
    rows: customers.rows.map((r) => ({
      customerTenantId: r.customerTenantId,
      companyName: r.companyName,
      domain: r.domain || '—',
      pcCustomer: r.pcCustomerId ?? 'no longer listed by Partner Center',
      stateText: STATE_TEXT[r.state],
      reseller: r.reseller ?? 'none (direct)',
      subscriptions: facts.get(r.customerTenantId)?.subscriptions ?? '—',
      monthlyCost: facts.get(r.customerTenantId)?.monthlyCost ?? '—',
      openRequests: facts.get(r.customerTenantId)?.openRequests ?? '—',
      alerts: facts.get(r.customerTenantId)?.alerts ?? '—',
      canLink: r.state !== 'linked',
      canUnlink: r.state === 'linked',
    })),
  };
}

/** The `customer <name>` card: one linked customer, its figures, and buttons that act as its admin. */
export function partnerCustomerCardData(
  partnerName: string,
  link: Pick<PartnerCustomerLink, 'companyName' | 'domain' | 'customerTenantId' | 'pcCustomerId'>,
  facts: CustomerFacts,
) {
  return {
    partnerName,
    companyName: link.companyName,
    domain: link.domain || '—',
    customerTenantId: link.customerTenantId,
    pcCustomer: link.pcCustomerId,
    ...facts,
  };
}

export function partnerFeature(surface: Surface, d: PartnerFeatureDeps): void {
  const render = async (outcome: Outcome<PartnerCustomers>, noted: boolean): Promise<Reply> => {
    if (!outcome.ok) return refusal(outcome);
    // Figures only for the customers the service returned as linked to this partner.
    const linked = outcome.value.rows.filter((r) => r.state === 'linked').map((r) => r.customerTenantId);
    const facts = new Map(await Promise.all(linked.map(async (id) => [id, await d.facts.of(id)] as const)));
    const note = noted && outcome.message ? { text: outcome.message, color: 'Good' as const } : undefined;
    return card(d.cards.render('partner-customers', partnerCustomersCardData(outcome.value, note, facts)));
  };

  const show = async ({ actor }: Turn): Promise<Reply> => render(await d.partners.customers(actor), false);
  const link = async ({ actor, data }: ActionTurn<z.infer<typeof CustomerClick>>): Promise<Reply> =>
    render(await d.partners.link(actor, data.customerTenantId), true);
  const unlink = async ({ actor, data }: ActionTurn<z.infer<typeof CustomerClick>>): Promise<Reply> =>
    render(await d.partners.unlink(actor, data.customerTenantId), true);

  const oneCustomer = async ({ actor, argument }: CommandTurn): Promise<Reply> =>
    answer(await d.partners.customerNamed(actor, argument), async (link) =>
      card(
        d.cards.render(
          'partner-customer',
          partnerCustomerCardData(await d.partners.partnerName(actor.tenantId), link, await d.facts.of(link.customerTenantId)),
        ),
      ),
    );

  // Clicks on the cards `customer <name>` gives act in the customer's tenant, as its admin, once the
  // workspace has checked the tenant is a linked customer of this partner admin's partner.
  surface.actOnBehalfWith((actor, customerTenantId, verb) => d.partners.actingFor(actor, customerTenantId, `card:${verb}`));

  const access = { roles: PARTNER_ADMINS, refusal: ONLY_PARTNER_ADMINS };
  surface.command({ name: 'customer', refusal: ONLY_PARTNER_ADMINS, run: oneCustomer });
  surface.command({ name: 'customers', refusal: ONLY_PARTNER_ADMINS, run: show });
  surface.action({ verb: 'partnerCustomers', ...access, run: show });
  surface.action({ verb: 'partnerLinkCustomer', ...access, schema: CustomerClick, badData: BAD_CARD, run: link });
  surface.action({ verb: 'partnerUnlinkCustomer', ...access, schema: CustomerClick, badData: BAD_CARD, run: unlink });
}
