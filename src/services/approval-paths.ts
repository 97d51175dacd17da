// "Who approves my requests?": the tenant's approval policies as they apply to this person,
// with names. For a product the policy is evaluated as a submission would be (price, free
// seats, quantity), so the answer is the path a request would take now; without one, every
// policy is described. Nothing is stored.
import { formatMoney, monthlyCost } from '../domain/money.js';
import { evaluatePolicy, orderPolicies, type ApprovalPolicy, type PolicyStage } from '../domain/policy.js';
import { resolveStages, type DirectoryFacts } from '../domain/request.js';
import type { PolicyRepository } from '../storage/policies.js';
import type { CatalogService } from './catalog.js';
import type { RequestService } from './requests.js';
import type { Actor } from '../domain/roles.js';

export interface ApprovalStep {
  /** "Adele Vance (your manager)", "License approvers: Megan Bowen". */
  who: string;
  /** "above 10.00 USD / month"; empty when the step always applies. */
  when: string;
}

export interface ApprovalPathAnswer {
  title: string;
  /** One paragraph per policy (or the one path of a product). */
  paths: { heading: string; auto: string; steps: ApprovalStep[] }[];
  note: string;
}

export interface ApprovalPathDeps {
  catalog: CatalogService;
  policies: PolicyRepository;
  /** Resolves managers, group members and admins exactly as a submission does. */
  requests: Pick<RequestService, 'directoryFacts'>;
}

const perMonth = (amount: string, currency: string) => `${formatMoney({ amount, currency })} / month`;

export class ApprovalPathService {
  constructor(private readonly deps: ApprovalPathDeps) {}

  /** The path a request for this offer (`quantity` seats, for the actor) would take now. */
  async forOffer(actor: Actor, offerId: string, quantity = 1): Promise<ApprovalPathAnswer> {
    const [offer, policies] = await Promise.all([
      this.deps.catalog.offer(actor.tenantId, offerId),
      this.deps.policies.list(actor.tenantId),
    ]);
    if (!offer) return this.overview(actor);
    const seats = await this.deps.catalog.freeSeatsForDisplay(actor.tenantId, offer.skuPartNumber);
    const cost = monthlyCost(offer.unitPrice, quantity);
    const evaluation = evaluatePolicy(policies, { productId: offer.productId, monthlyCost: cost, freeSeats: seats ?? 0, quantity });
    const title = `Who approves ${offer.name} for you`;
    const price = `${quantity} × ${offer.name} costs ${formatMoney(cost)} a month; ${seats === undefined ? 'free seats unknown right now' : `${seats} free seat${seats === 1 ? '' : 's'}`}.`;
    if (evaluation.outcome === 'error') return { title, paths: [], note: `${price} ${evaluation.message}` };
    const heading = `Policy "${evaluation.policy.name}"`;
    if (evaluation.outcome === 'auto-approve')
      return { title, paths: [{ heading, auto: 'Approved automatically by policy: nobody needs to approve it.', steps: [] }], note: price };
    const facts = await this.deps.requests.directoryFacts(actor, evaluation.policy);
    return {
      title,
      paths: [{ heading, auto: '', steps: this.steps(evaluation.stages, facts, evaluation.policy, false) }],
      note: price,
    };
  }

  /** Every policy as it applies to the actor, in the order they are tried. */
  async overview(actor: Actor): Promise<ApprovalPathAnswer> {
    const [policies, offers] = await Promise.all([
      this.deps.policies.list(actor.tenantId),
      this.deps.catalog.offers(actor.tenantId).catch(() => []),
    ]);
    const productName = (id: string) => offers.find((o) => o.productId.toLowerCase() === id.toLowerCase())?.name ?? id;
    const paths = await Promise.all(
      orderPolicies(policies).map(async (policy) => {
        const facts = await this.deps.requests.directoryFacts(actor, policy);
        const products = policy.match.productIds?.length ? policy.match.productIds.map(productName).join(', ') : 'every product';
        const auto = policy.autoApprove
          ? `Approved automatically when it costs under ${perMonth(policy.autoApprove.maxMonthlyCost, policy.currency)}${policy.autoApprove.requireFreeSeat ? ' and a seat is free' : ''}. Otherwise:`
          : 'Always needs approval:';
        return { heading: `${policy.name}: ${products}`, auto, steps: this.steps(policy.stages, facts, policy, true) };
      }),
    );
    return {
      title: 'Who approves your requests',
      paths,
      note: 'Ask "who approves Visio?" for one product: the answer then counts its price and free seats.',
    };
  }

  /** Each stage with the people who would decide it (the admins when nobody else can). */
  private steps(stages: readonly PolicyStage[], facts: DirectoryFacts, policy: ApprovalPolicy, withConditions: boolean): ApprovalStep[] {
    const resolved = resolveStages(stages, facts);
    if (!resolved.ok) return [{ who: resolved.message, when: '' }];
    const names = new Map(
      [...(facts.manager ? [facts.manager] : []), ...Object.values(facts.groupMembers).flat(), ...facts.admins].map((p) => [
        p.id.toLowerCase(),
        p.name,
      ]),
    );
    return resolved.stages.map((stage, index) => {
      const people = stage.approverIds.map((id) => names.get(id) ?? id);
      const source = stages[index];
      const who = stage.kind === 'manager' ? `${people.join(', ')} (your manager)` : `${stage.label}: ${listed(people)}`;
      const when = withConditions && source?.onlyAboveMonthlyCost ? `above ${perMonth(source.onlyAboveMonthlyCost, policy.currency)}` : '';
      return { who, when };
    });
  }
}

/** At most five names, then how many more. */
function listed(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
