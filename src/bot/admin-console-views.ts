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
        {
          title: 'Who',
          value: e.actorName ?? (e.actorId === 'system' ? 'Quartermaster (scheduled job)' : `Unknown person (${e.actorId})`),
        },
        ...whatFacts(e),
      ],
    })),
  };
}

const CHATS: Record<string, string> = { personal: 'a personal chat', channel: 'a team channel', groupChat: 'a group chat' };

/** What an entry is about: the bot's installs in words (a conversation id says nothing to a person), else the target and the change. */
function whatFacts(e: AuditRecord): { title: string; value: string }[] {
  if (e.action === 'bot.installed' || e.action === 'bot.uninstalled') {
    const type = (e.after as { conversationType?: string } | undefined)?.conversationType;
    const where = (type && CHATS[type]) ?? 'a chat';
    return [
      { title: 'What', value: e.action === 'bot.installed' ? `Quartermaster added to ${where}` : 'Quartermaster removed from a chat' },
    ];
  }
  return [{ title: 'What', value: e.target }, ...changeFacts(e.before, e.after)];
}

/** Fields an audit entry shows at most, and characters per value: Teams cards are limited in size. */
const MAX_CHANGED_FIELDS = 8;
const MAX_VALUE_LENGTH = 80;

/**
 * What changed, a fact per field, named in words: "Inactive days: 90 → 60"; a field only after shows
 * "(none) →" before it, a field only before shows "→ (removed)" (or its own word for gone). A value that is not an object shows as one "Before"/"After".
 */
export function changeFacts(before: unknown, after: unknown): { title: string; value: string }[] {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (before === undefined && after === undefined) return [];
  if (!isRecord(before ?? {}) || !isRecord(after ?? {})) {
    return [
      ...(before !== undefined ? [{ title: 'Before', value: shown(before) }] : []),
      ...(after !== undefined ? [{ title: 'After', value: shown(after) }] : []),
    ];
  }
  const was = (before ?? {}) as Record<string, unknown>;
  const is = (after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(was), ...Object.keys(is)])];
  const changed = fields.filter((f) => before === undefined || after === undefined || JSON.stringify(was[f]) !== JSON.stringify(is[f]));
  const facts = changed.slice(0, MAX_CHANGED_FIELDS).map((field) => {
    const { title, value = (v: unknown) => v, absent = '(removed)' } = FIELDS[field] ?? { title: inWords(field) };
    const [then, now] = [shown(value(was[field])), shown(value(is[field]))];
    if (before === undefined) return { title, value: now };
    // A field gone from "after" (a step past the last one, a removed setting) says so in its own words.
    if (after === undefined || !(field in is)) return { title, value: `${then} → ${absent}` };
    return { title, value: `${then} → ${now}` };
  });
  if (changed.length > MAX_CHANGED_FIELDS) facts.push({ title: '…', value: `${changed.length - MAX_CHANGED_FIELDS} more fields` });
  return facts;
}

/** Stored field names people would not read as such; a step is counted from 1 as cards say it. */
const FIELDS: Record<string, { title: string; value?: (v: unknown) => unknown; absent?: string }> = {
  stageIndex: { title: 'Step', value: (v) => (typeof v === 'number' ? v + 1 : v), absent: 'no step left' },
  skuPartNumber: { title: 'SKU part number' },
  beneficiary: { title: 'For' },
};

/** "inactiveDays" → "Inactive days". */
function inWords(field: string): string {
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}
