// Every card template, filled with sample data, must expand completely and parse with
// the Adaptive Cards library without a single warning (unknown element, bad property...).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CardRenderer, type CardData } from '../../src/bot/cards.js';

// The package's ESM build does not load in Node; its UMD bundle does (see reference/teams.md).
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

const samples: { [N in keyof CardData]: CardData[N][] } = {
  welcome: [
    { firstName: 'Alex', inTeam: false, conversationName: 'this chat' },
    { firstName: 'Megan', inTeam: true, conversationName: 'Finance' },
  ],
  help: [{ userName: 'Alex Wilber', roleLabel: 'admin', commands: [{ usage: 'help', description: 'Show the commands' }, { usage: 'status', description: 'Health' }] }],
  whoami: [{ name: 'Alex Wilber', aadObjectId: 'a-1', tenantId: 't-1', roleLabel: 'requester', conversationType: 'personal', isAdmin: false }],
  status: [{ storage: 'reachable (3 ms)', version: '0.1.0', environment: 'test', authentication: 'off', instance: 'host (pid 1)', uptime: '5 min' }],
  'unknown-command': [{ text: 'order a pizza ${notBound} **bold**' }],
  error: [{ title: 'Sorry', message: 'It broke', reference: 'abc123' }],
};

function parseWarnings(card: unknown): string[] {
  const context = new AC.SerializationContext();
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const warnings: string[] = [];
  for (let i = 0; i < context.eventCount; i++) warnings.push(context.getEventAt(i).message);
  return warnings;
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
      }
    });
  }

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

  it('repeats a row per command in help', () => {
    const json = JSON.stringify(renderer.render('help', samples.help[0]!));
    expect(json).toContain('**help**');
    expect(json).toContain('**status**');
  });
});
