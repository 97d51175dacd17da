// Cost owner names are typed by admins (underscores, brackets and all): the chargeback summary
// note that names them must show them as typed, while the bot's own bold command stays bold.
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { summaryCardData } from '../../src/bot/billing-views.js';
import { CardRenderer } from '../../src/bot/cards.js';
import type { SummaryView } from '../../src/services/billing/chargeback.js';

const markdown = new MarkdownIt({ html: true, linkify: false });

/** The TextBlock texts of a card, in order. */
function textBlocks(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => textBlocks(n, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock' && typeof element.text === 'string') found.push(element.text);
    Object.values(element).forEach((v) => textBlocks(v, found));
  }
  return found;
}

const view = (ownersWithoutRecipients: string[]): SummaryView => ({
  tenantId: 'tenant-1',
  month: '2026-11',
  chargeback: { month: '2026-11', currencies: [], invoiced: true, details: 0, computedAt: '2026-12-01T06:00:00.000Z' },
  ownersWithoutRecipients,
});

describe('chargeback summary note', () => {
  it('shows cost owner names as typed and keeps the bold command', () => {
    const names = ['cost_centre_42', '[Pay here](https://evil.example)', '**Sales**'];
    const card = new CardRenderer().render('chargeback-summary', summaryCardData(view(names)));
    const note = textBlocks(card).find((t) => t.includes('No one receives'))!;
    const html = markdown.render(note);
    expect(html).not.toMatch(/<a |<em>/);
    expect([...html.matchAll(/<strong>(.*?)<\/strong>/g)].map((m) => m[1])).toEqual(['cost owners']);
    expect(html).toContain('cost_centre_42, [Pay here](https://evil.example), **Sales**');
  });
});
