// Every card template, filled with sample data, must expand completely and parse with
// the Adaptive Cards library without a single warning (unknown element, bad property...).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/bot/cards.js';
import { cardSamples } from './card-samples.js';

// The package's ESM build does not load in Node; its UMD bundle does.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

const samples = cardSamples;

function parseWarnings(card: unknown): string[] {
  const context = new AC.SerializationContext();
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const warnings: string[] = [];
  for (let i = 0; i < context.eventCount; i++) warnings.push(context.getEventAt(i).message);
  // Teams' chart elements (Chart.VerticalBar...) are unknown to the JS library, which warns even
  // when a fallback is there. Accept exactly that warning, and only for a chart whose fallback
  // is an element that itself parses cleanly (what hosts without charts will show).
  const charts = chartElements(card);
  return warnings.filter((warning) => {
    const chart = charts.find((c) => warning === `Unknown element type "${c.type}". Fallback will be used if present.`);
    return !(
      chart &&
      typeof chart.fallback === 'object' &&
      parseWarnings({ type: 'AdaptiveCard', version: '1.5', body: [chart.fallback] }).length === 0
    );
  });
}

/** Every element of the card whose type starts with "Chart.". */
function chartElements(node: unknown): { type: string; fallback?: unknown }[] {
  if (Array.isArray(node)) return node.flatMap(chartElements);
  if (!node || typeof node !== 'object') return [];
  const own =
    typeof (node as { type?: unknown }).type === 'string' && (node as { type: string }).type.startsWith('Chart.')
      ? [node as { type: string; fallback?: unknown }]
      : [];
  return [...own, ...Object.values(node).flatMap(chartElements)];
}

describe('card templates', () => {
  const renderer = new CardRenderer();

  it('has sample data for every template in cards/', () => {
    expect(renderer.names().sort()).toEqual(Object.keys(samples).sort());
  });

  for (const [name, dataSets] of Object.entries(samples)) {
    it(`${name} renders to a valid Adaptive Card 1.5`, () => {
      for (const data of dataSets) {
        const card = renderer.renderAny(name, data);
        expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
        const json = JSON.stringify(card);
        // Every binding is filled; user text containing "${...}" is data, not template.
        expect(json.replace('${notBound}', '')).not.toMatch(/\$\{|"\$when"|"\$data"/);
        expect(parseWarnings(card)).toEqual([]);
        // The renderer shows nothing for a non-string fact value (a bound number): keep them text.
        const facts = JSON.stringify(card).match(/"facts":\[[^\]]*\]/g) ?? [];
        for (const set of facts) {
          const parsedFacts: { title: string; value: unknown }[] = JSON.parse(`{${set}}`).facts;
          for (const fact of parsedFacts) expect(typeof fact.value, `${name}: ${fact.title}`).toBe('string');
          // A fact shown twice in one set is a slip in the template (a line repeated).
          const titles = parsedFacts.map((fact) => fact.title);
          expect(
            titles.filter((title, i) => titles.indexOf(title) !== i),
            `${name}: facts shown twice`,
          ).toEqual([]);
        }
      }
    });
  }

  it('accepts a chart only with a fallback that parses', () => {
    const chart = { type: 'Chart.VerticalBar', title: 't', data: [{ x: 'a', y: 1 }] };
    expect(parseWarnings({ type: 'AdaptiveCard', version: '1.5', body: [chart] }).length).toBeGreaterThan(0);
    expect(
      parseWarnings({ type: 'AdaptiveCard', version: '1.5', body: [{ ...chart, fallback: { type: 'TextBlok', text: 'x' } }] }).length,
    ).toBeGreaterThan(0);
    expect(
      parseWarnings({ type: 'AdaptiveCard', version: '1.5', body: [{ ...chart, fallback: { type: 'TextBlock', text: 'x' } }] }),
    ).toEqual([]);
  });

  it('binds the budget chart as numbers with a text fallback', () => {
    const card = renderer.render('budget-alert', samples['budget-alert'][0]!) as any;
    const chart = card.body.find((b: any) => b.type === 'Chart.VerticalBar');
    expect(chart.data).toEqual([
      { x: 'Spent', y: 1673 },
      { x: 'Forecast', y: 3300.5 },
      { x: 'Budget', y: 2000 },
    ]);
    expect(chart.fallback).toMatchObject({ type: 'TextBlock', text: expect.stringContaining('1,673.00 USD') });
  });

  it('the parser does catch an unknown element (the check above can fail)', () => {
    expect(parseWarnings({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlok', text: 'typo' }] }).length).toBeGreaterThan(0);
  });

  it('shows team and personal variants of the welcome card', () => {
    const personal = JSON.stringify(renderer.render('welcome', samples.welcome[0]!));
    const team = JSON.stringify(renderer.render('welcome', samples.welcome[1]!));
    expect(personal).toContain('Hi Alex!');
    expect(personal).not.toContain('Thanks for adding me');
    expect(team).toContain('Thanks for adding me to Finance');
  });

  it('binds the refresh user ids as an array (Teams ignores a string)', () => {
    const card = renderer.render('approval', samples.approval[0]!) as any;
    expect(card.refresh.userIds).toEqual(['29:adele']);
    expect((renderer.render('approval', samples.approval[1]!) as any).refresh.userIds).toEqual([]);
    expect(card.actions.map((a: any) => a.title)).toEqual(['Approve', 'Reject']);
    expect(card.actions[0].data).toEqual({ requestId: 'REQ-1', stageIndex: 0 });
  });

  it('gives every render a card of its own, when the same data comes again and again', () => {
    const fresh = new CardRenderer();
    const data = samples.help[0]!;
    const expected = JSON.stringify(fresh.render('help', data));
    for (let i = 0; i < 4; i++) {
      const card = fresh.render('help', data) as any;
      expect(JSON.stringify(card)).toBe(expected);
      // A caller that changes its card (a reply adds to it) changes nobody else's.
      card.body.push({ type: 'TextBlock', text: `changed ${i}` });
      card.body[0].text = 'changed';
    }
  });

  it('writes container styles in lowercase, as the schema lists them, from colour names data gives', () => {
    const styles = (card: unknown) => (JSON.stringify(card).match(/"style":"[^"]*"/g) ?? []).map((s) => s.slice(9, -1));
    expect(styles(renderer.render('approval', { ...samples.approval[0]!, statusColor: 'Warning' }))).toContain('warning');
    const budgets = renderer.render('budget-list', { ...samples['budget-list'][0]!, note: 'Saved.', noteColor: 'Attention' });
    expect(styles(budgets)).toContain('attention');
    for (const name of ['approval', 'budget-list'] as const)
      for (const data of samples[name]) for (const style of styles(renderer.renderAny(name, data))) expect(style).toBe(style.toLowerCase());
    // An input's style is not a container style: kept as written.
    expect(styles(renderer.renderAny('connection-form', samples['connection-form'][0]))).toContain('Password');
  });

  it('shows a subscription change with seats and no beneficiary', () => {
    const card = renderer.render('approval', samples.approval[2]!) as any;
    const facts = card.body.find((b: any) => b.type === 'FactSet').facts;
    expect(facts.map((f: any) => f.title)).toEqual(['Requested by', 'Product', 'Seats', 'Cost', 'Approval', 'Request']);
  });

  it('binds userId + skuId on a license confirm, subscriptionId + email on a vendor seat confirm', () => {
    const [license, vendor] = samples['reclaim-confirm'].map((data) => renderer.render('reclaim-confirm', data) as any);
    expect(license.actions.map((a: any) => [a.title, a.data])).toEqual([
      ['Confirm', { userId: 'u-1', skuId: 's-1' }],
      ['Back', undefined],
    ]);
    expect(vendor.actions.map((a: any) => [a.title, a.data])).toEqual([
      ['Confirm', { subscriptionId: 'SUB-5100-0000-0001', email: 'gone@example.com' }],
      ['Back', undefined],
    ]);
    const card = renderer.render('reclaim', samples.reclaim[0]!) as any;
    const removes = JSON.stringify(card).match(/"verb":"reclaimRemoveLicense","data":\{[^}]*\}/g);
    expect(removes).toEqual([
      '"verb":"reclaimRemoveLicense","data":{"userId":"u-1","skuId":"s-1"}',
      '"verb":"reclaimRemoveLicense","data":{"subscriptionId":"SUB-5100-0000-0001","email":"gone@example.com"}',
      '"verb":"reclaimRemoveLicense","data":{"subscriptionId":"SUB-5100-0000-0001","email":"meganb@example.com"}',
    ]);
  });

  it('repeats a row per command in help', () => {
    const json = JSON.stringify(renderer.render('help', samples.help[0]!));
    expect(json).toContain('**help**');
    expect(json).toContain('**status**');
  });
});
