// What the admin console's lists look like: the approval policies and the audit log, as the
// table-list card's data.
import { formatMoney } from '../domain/money.js';
import type { ApprovalPolicy } from '../domain/policy.js';
import type { AuditRecord } from '../services/admin-console.js';
import type { CardData } from './cards.js';

export function policyListData(policies: ApprovalPolicy[], productNames: Record<string, string>): CardData['table-list'] {
  const productName = (id: string) => productNames[id] ?? id;
  return {
    title: 'Approval policies',
    subtitle: 'The first policy that matches a request (by product and monthly cost) decides it.',
    emptyText: 'No policies.',
    items: policies.map((p) => {
      const money = (amount: string) => `${formatMoney({ amount, currency: p.currency })} / month`;
      return {
        heading: `${p.priority}. ${p.name}`,
        facts: [
          { title: 'Products', value: p.match.productIds?.length ? p.match.productIds.map(productName).join(', ') : 'all' },
          ...(p.match.minMonthlyCost ? [{ title: 'From', value: money(p.match.minMonthlyCost) }] : []),
          {
            title: 'Auto-approve',
            value: p.autoApprove
              ? `under ${money(p.autoApprove.maxMonthlyCost)}${p.autoApprove.requireFreeSeat ? ', when a seat is free' : ''}`
              : 'never',
          },
          {
            title: 'Approvals',
            value:
              p.stages
                .map(
                  (s, i) =>
                    `${i + 1}. ${s.approver.kind === 'manager' ? "requester's manager" : s.approver.groupName}${s.onlyAboveMonthlyCost ? ` (above ${money(s.onlyAboveMonthlyCost)})` : ''}`,
                )
                .join('; ') || 'none',
          },
          {
            title: 'Limits',
            value: `at most ${p.maxQuantity} per request; justification ${p.requireJustification ? 'required' : 'optional'}; buying seats ${p.allowPurchase ? 'allowed' : 'not allowed'}`,
          },
        ],
      };
    }),
  };
}

export function auditListData(query: string, entries: AuditRecord[]): CardData['table-list'] {
  return {
    title: 'Audit log',
    subtitle: query ? `Recent entries matching "${query}"` : 'Most recent first',
    emptyText: 'No entries.',
    items: entries.map((e) => ({
      heading: `${e.at.slice(0, 19).replace('T', ' ')} UTC · ${e.action}`,
      facts: [
        { title: 'Who', value: e.actorName ?? e.actorId },
        { title: 'What', value: e.target },
        ...(e.after !== undefined ? [{ title: 'After', value: JSON.stringify(e.after).slice(0, 300) }] : []),
      ],
    })),
  };
}
