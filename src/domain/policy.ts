// Approval policies: per tenant, the rules that decide whether a license request is
// approved automatically or goes through approval stages. Pure: the caller supplies the
// price, the free seat count and the policies; nothing here reads a table or the clock.
import { z } from 'zod';
import { checkMoney, compareMoney, formatMonthly, MoneyError, type Money } from './money.js';

export type StageApprover = { kind: 'manager' } | { kind: 'group'; groupId: string; groupName: string };

export interface PolicyStage {
  approver: StageApprover;
  /** The stage applies only when the monthly cost is strictly above this amount (policy currency). */
  onlyAboveMonthlyCost?: string;
}

export interface ApprovalPolicy {
  id: string;
  name: string;
  /** Lower runs first; ties keep the order of the list. */
  priority: number;
  match: {
    /** Empty or absent: any product. */
    productIds?: string[];
    /** The policy matches only when the monthly cost is at least this amount (inclusive). */
    minMonthlyCost?: string;
  };
  /**
   * Absent: never auto-approve. Present: auto-approve when the monthly cost is strictly
   * below `maxMonthlyCost` ("under a threshold") and, if `requireFreeSeat`, enough free seats
   * exist for the whole quantity.
   */
  autoApprove?: { requireFreeSeat: boolean; maxMonthlyCost: string };
  /** In order; each may be limited to costs above an amount. At least one applies to every cost. */
  stages: PolicyStage[];
  /** Most seats one request may ask for. */
  maxQuantity: number;
  requireJustification: boolean;
  /** May fulfilment buy seats when none are free? */
  allowPurchase: boolean;
  /** Currency of every amount in this policy. */
  currency: string;
}

export const DEFAULT_POLICY_ID = 'default';
export const DEFAULT_APPROVER_GROUP_NAME = 'License approvers';

export interface DefaultPolicyOptions {
  /** Id of the tenant's "License approvers" approver group (stage 2). */
  approverGroupId: string;
  approverGroupName?: string;
  /** Auto-approve under this monthly cost (with a free seat). Default "50". */
  autoApproveBelow?: string;
  /** Stage 2 applies above this monthly cost. Default "200". */
  secondStageAbove?: string;
  maxQuantity?: number;
}

/**
 * The policy a tenant is seeded with: auto-approve when a free seat exists and the monthly
 * cost is under 50; otherwise the requester's manager, and also the License approvers group
 * when the monthly cost is over 200. A list so tenants can add policies in front of it.
 */
export function defaultPolicies(currency: string, options: DefaultPolicyOptions): ApprovalPolicy[] {
  return [
    {
      id: DEFAULT_POLICY_ID,
      name: 'Default',
      // Far back, so policies an admin adds later run first without renumbering.
      priority: 1000,
      match: {},
      autoApprove: { requireFreeSeat: true, maxMonthlyCost: options.autoApproveBelow ?? '50' },
      stages: [
        { approver: { kind: 'manager' } },
        {
          approver: {
            kind: 'group',
            groupId: options.approverGroupId,
            groupName: options.approverGroupName ?? DEFAULT_APPROVER_GROUP_NAME,
          },
          onlyAboveMonthlyCost: options.secondStageAbove ?? '200',
        },
      ],
      maxQuantity: options.maxQuantity ?? 25,
      requireJustification: true,
      allowPurchase: true,
      currency: currency.toUpperCase(),
    },
  ];
}

export interface PolicyInput {
  productId: string;
  /** Unit price × quantity. */
  monthlyCost: Money;
  freeSeats: number;
  quantity: number;
}

export type PolicyErrorReason =
  'no-matching-policy' | 'currency-mismatch' | 'invalid-policy' | 'quantity-above-maximum' | 'purchase-not-allowed' | 'no-applicable-stage';

export type PolicyEvaluation =
  /** approvalWaived: the policy wanted approvers, and the tenant's license settings say approval is not required. */
  | { outcome: 'auto-approve'; policy: ApprovalPolicy; needsPurchase: boolean; approvalWaived?: true }
  | { outcome: 'approval'; policy: ApprovalPolicy; stages: PolicyStage[]; needsPurchase: boolean }
  | { outcome: 'error'; reason: PolicyErrorReason; message: string; policy?: ApprovalPolicy };

/**
 * Approved only because enough seats were free: such an approval counts on those seats (they
 * are reserved for it), and if fulfilment finds it would have to buy, people must decide.
 */
export function reliesOnFreeSeat(evaluation: PolicyEvaluation): boolean {
  return (
    evaluation.outcome === 'auto-approve' &&
    !evaluation.approvalWaived &&
    !!evaluation.policy.autoApprove?.requireFreeSeat &&
    !evaluation.needsPurchase
  );
}

/** Policies in evaluation order: priority ascending, ties in list order (sort is stable). */
export function orderPolicies(policies: readonly ApprovalPolicy[]): ApprovalPolicy[] {
  return [...policies].sort((a, b) => a.priority - b.priority);
}

function matchesProduct(policy: ApprovalPolicy, productId: string): boolean {
  const ids = policy.match.productIds ?? [];
  return ids.length === 0 || ids.some((id) => id.toLowerCase() === productId.toLowerCase());
}

// Compares the request's cost with a policy amount; currencies must agree (MoneyError otherwise).
function cost(policy: ApprovalPolicy, amount: string): Money {
  return { amount, currency: policy.currency };
}

/**
 * Picks the first matching policy and says what it decides. Fails closed: a currency the
 * policy does not use, a policy amount that does not parse, or a cost for which no stage
 * applies is an error result, never an approval by default.
 */
export function evaluatePolicy(policies: readonly ApprovalPolicy[], input: PolicyInput): PolicyEvaluation {
  let current: ApprovalPolicy | undefined;
  try {
    for (const policy of orderPolicies(policies)) {
      current = policy;
      if (!matchesProduct(policy, input.productId)) continue;
      // Checked up front so a policy without any amount still refuses a foreign currency.
      if (policy.currency.toUpperCase() !== input.monthlyCost.currency.toUpperCase()) return currencyMismatch(input, policy);
      const min = policy.match.minMonthlyCost;
      if (min !== undefined && compareMoney(input.monthlyCost, cost(policy, min)) < 0) continue;
      return decideWith(policy, input);
    }
  } catch (error) {
    if (error instanceof MoneyError) return moneyProblem(error, input, current);
    throw error;
  }
  return {
    outcome: 'error',
    reason: 'no-matching-policy',
    message: 'No approval policy covers this product and cost, so the request cannot be submitted. Ask an admin to add or widen a policy.',
  };
}

function decideWith(policy: ApprovalPolicy, input: PolicyInput): PolicyEvaluation {
  if (input.quantity > policy.maxQuantity) {
    return {
      outcome: 'error',
      reason: 'quantity-above-maximum',
      policy,
      message: `You can request at most ${policy.maxQuantity} at a time. Lower the quantity, or ask an admin for a larger order.`,
    };
  }
  const needsPurchase = input.freeSeats < input.quantity;
  // Approving cannot create seats, so say so now rather than after days of waiting.
  if (needsPurchase && !policy.allowPurchase) {
    return {
      outcome: 'error',
      reason: 'purchase-not-allowed',
      policy,
      message: `There ${input.freeSeats === 1 ? 'is 1 free seat' : `are ${Math.max(0, input.freeSeats)} free seats`} and this policy does not allow buying more. Ask an admin to free up seats first.`,
    };
  }
  const auto = policy.autoApprove;
  if (auto && (!auto.requireFreeSeat || !needsPurchase) && compareMoney(input.monthlyCost, cost(policy, auto.maxMonthlyCost)) < 0) {
    return { outcome: 'auto-approve', policy, needsPurchase };
  }
  const stages = policy.stages.filter(
    (stage) => stage.onlyAboveMonthlyCost === undefined || compareMoney(input.monthlyCost, cost(policy, stage.onlyAboveMonthlyCost)) > 0,
  );
  if (stages.length === 0) {
    return {
      outcome: 'error',
      reason: 'no-applicable-stage',
      policy,
      message: `The approval policy "${policy.name}" has no approval stage for ${formatMonthly(input.monthlyCost)}, so nobody could approve it. Ask an admin to fix the policy.`,
    };
  }
  return { outcome: 'approval', policy, stages, needsPurchase };
}

function currencyMismatch(input: PolicyInput, policy: ApprovalPolicy): PolicyEvaluation {
  return {
    outcome: 'error',
    reason: 'currency-mismatch',
    policy,
    message: `The price is in ${input.monthlyCost.currency.toUpperCase()} but the approval policy "${policy.name}" uses ${policy.currency.toUpperCase()}. Ask an admin to update the policy.`,
  };
}

function moneyProblem(error: MoneyError, input: PolicyInput, policy: ApprovalPolicy | undefined): PolicyEvaluation {
  if (error.code === 'currency-mismatch' && policy) return currencyMismatch(input, policy);
  return {
    outcome: 'error',
    reason: 'invalid-policy',
    ...(policy && { policy }),
    message: `The approval policy${policy ? ` "${policy.name}"` : ''} has an invalid amount (${error.message}) Ask an admin to fix it.`,
  };
}

export interface PolicyLimits {
  maxQuantity: number;
  requireJustification: boolean;
}

/**
 * Limits to show and check on the request form, before the quantity (and so the cost) is
 * known: the largest maximum of the policies that could apply to the product (the exact
 * check happens in `evaluatePolicy`), and justification asked for if any of them requires it
 * (better to ask once than to bounce the form). Undefined when no policy covers the product.
 */
export function limitsForProduct(policies: readonly ApprovalPolicy[], productId: string): PolicyLimits | undefined {
  const candidates = policies.filter((policy) => matchesProduct(policy, productId));
  if (candidates.length === 0) return undefined;
  return {
    maxQuantity: Math.max(...candidates.map((policy) => policy.maxQuantity)),
    requireJustification: candidates.some((policy) => policy.requireJustification),
  };
}

// ---------------------------------------------------------------------------------------
// Admin-entered policies
// ---------------------------------------------------------------------------------------

export const POLICY_LIMITS = { maxStages: 5, maxProductIds: 200, maxQuantity: 10_000, maxPriority: 100_000 } as const;

const text = (field: string, max: number) =>
  z
    .string({ required_error: `${field} is required.`, invalid_type_error: `${field} must be text.` })
    .trim()
    .min(1, `${field} is required.`)
    .max(max, `${field} must be at most ${max} characters.`);

const amountText = z
  .string({ invalid_type_error: 'Enter an amount like 50 or 49.99.' })
  .trim()
  .max(40, 'Enter an amount like 50 or 49.99.');

const stageSchema = z.object({
  approver: z.discriminatedUnion(
    'kind',
    [
      z.object({ kind: z.literal('manager') }),
      z.object({ kind: z.literal('group'), groupId: text('The group', 200), groupName: text('The group name', 200) }),
    ],
    { errorMap: () => ({ message: 'Choose the manager or an approver group.' }) },
  ),
  onlyAboveMonthlyCost: amountText.optional(),
});

const policySchema = z.object({
  id: text('The id', 64),
  name: text('The name', 100),
  priority: z
    .number({ invalid_type_error: 'The priority must be a number.', required_error: 'The priority is required.' })
    .int('The priority must be a whole number.')
    .min(0, 'The priority cannot be negative.')
    .max(POLICY_LIMITS.maxPriority, `The priority must be at most ${POLICY_LIMITS.maxPriority}.`),
  match: z
    .object({
      productIds: z
        .array(text('A product id', 200))
        .max(POLICY_LIMITS.maxProductIds, `At most ${POLICY_LIMITS.maxProductIds} products.`)
        .optional(),
      minMonthlyCost: amountText.optional(),
    })
    .default({}),
  autoApprove: z.object({ requireFreeSeat: z.boolean({ invalid_type_error: 'Choose yes or no.' }), maxMonthlyCost: amountText }).optional(),
  stages: z.array(stageSchema).max(POLICY_LIMITS.maxStages, `At most ${POLICY_LIMITS.maxStages} stages.`),
  maxQuantity: z
    .number({ invalid_type_error: 'The maximum quantity must be a number.', required_error: 'The maximum quantity is required.' })
    .int('The maximum quantity must be a whole number.')
    .min(1, 'The maximum quantity must be at least 1.')
    .max(POLICY_LIMITS.maxQuantity, `The maximum quantity must be at most ${POLICY_LIMITS.maxQuantity}.`),
  requireJustification: z.boolean({
    required_error: 'Choose whether a justification is required.',
    invalid_type_error: 'Choose yes or no.',
  }),
  allowPurchase: z.boolean({ required_error: 'Choose whether buying seats is allowed.', invalid_type_error: 'Choose yes or no.' }),
  currency: z
    .string({ required_error: 'The currency is required.', invalid_type_error: 'The currency must be text.' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'Use a three-letter currency code like USD.'),
});

export type PolicyValidation = { ok: true; value: ApprovalPolicy } | { ok: false; errors: Record<string, string> };

/**
 * Checks a policy an admin entered. Errors are keyed by field path ("stages.1.approver.groupId",
 * "autoApprove.maxMonthlyCost"), one plain-English message per field. On success the value
 * is normalized (trimmed, currency upper case, amounts canonical "50.00").
 */
export function validatePolicy(raw: unknown): PolicyValidation {
  const parsed = policySchema.safeParse(raw);
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || 'policy';
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  const policy: ApprovalPolicy = parsed.data;
  const amount = (key: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const checked = checkMoney(value, policy.currency);
    if (checked.ok) return checked.value.amount;
    errors[key] = checked.message;
    return value;
  };
  policy.match.minMonthlyCost = amount('match.minMonthlyCost', policy.match.minMonthlyCost);
  if (policy.autoApprove) policy.autoApprove.maxMonthlyCost = amount('autoApprove.maxMonthlyCost', policy.autoApprove.maxMonthlyCost) ?? '';
  policy.stages.forEach((stage, index) => {
    stage.onlyAboveMonthlyCost = amount(`stages.${index}.onlyAboveMonthlyCost`, stage.onlyAboveMonthlyCost);
  });
  // Fail closed by construction: some stage must apply to every cost that is not auto-approved.
  if (!policy.stages.some((stage) => stage.onlyAboveMonthlyCost === undefined)) {
    errors.stages =
      policy.stages.length === 0
        ? 'Add at least one approval stage.'
        : 'At least one stage must apply to every cost (leave its "only above" amount empty).';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: withoutUndefined(policy) };
}

// Drops `undefined` optional keys so the stored entity has no empty columns.
function withoutUndefined(policy: ApprovalPolicy): ApprovalPolicy {
  return JSON.parse(JSON.stringify(policy)) as ApprovalPolicy;
}
