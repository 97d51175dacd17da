// The Teams surface's registry: help per role in the order declared, the verbs the fuzz test
// sends, and registrations that would leave a command without a handler or a declaration, or
// make one text or one click select two handlers.
import { describe, expect, it } from 'vitest';
import { Application } from '@microsoft/teams-ai';
import { COMMANDS, type DeclaredCommand } from '../../src/bot/commands.js';
import { Surface, text } from '../../src/bot/surface.js';
import type { Role } from '../../src/domain/roles.js';
import { QuartermasterTurnState } from '../../src/bot/turn-state.js';
import type { HelpGroup } from '../../src/bot/cards.js';

const run = async () => text('ok');
const declare = (name: string, roles: DeclaredCommand['roles'], usage = name): DeclaredCommand => ({
  name,
  usage,
  description: `about ${name}`,
  roles,
  scopes: ['personal'],
});
const DECLARED = [
  declare('help', ['requester']),
  declare('status', ['admin']),
  declare('my requests', ['requester'], 'my requests [all]'),
  declare('statuses', ['admin']),
];

function surface(): Surface {
  return new Surface(async () => ['requester'], DECLARED)
    .command({ name: 'status', run })
    .command({ name: 'help', anonymous: true, run })
    .command({ name: 'my requests', run })
    .action({ verb: 'approveRequest', run })
    .action({ verb: 'showHelp', anonymous: true, run });
}

describe('the surface registry', () => {
  const usages = (groups: HelpGroup[]) => groups.flatMap((g) => g.commands).map((c) => c.usage);

  it('lists in help what a role may use, grouped by task, the most used first', () => {
    expect(usages(surface().helpFor(['requester']))).toEqual(['my requests [all]', 'help']);
    expect(usages(surface().helpFor(['requester', 'admin']))).toEqual(['my requests [all]', 'status', 'help']);
    expect(
      surface()
        .helpFor(['requester'])
        .map((g) => g.title),
    ).toEqual(['Licenses', 'About you and me']);
  });

  it("lists the product's commands per role", () => {
    const product = new Surface(async () => []);
    for (const { name } of COMMANDS) product.command({ name, run });
    expect(usages(product.helpFor(['requester']))).toEqual(['request [product]', 'my requests', 'approvals', 'help', 'whoami']);
    expect(usages(product.helpFor(['requester', 'admin']))).toContain('status');
    // Every command of the product sits in a group of its own task, none under "More".
    expect(product.helpFor(['requester', 'admin']).map((g) => g.title)).not.toContain('More');
  });

  it("lists 'my unit' for a unit's license admins and admins, not for other requesters", () => {
    const product = new Surface(async () => []);
    for (const { name } of COMMANDS) product.command({ name, run });
    const usagesOf = (roles: Role[]) => usages(product.helpFor(roles));
    expect(usagesOf(['requester'])).not.toContain('my unit');
    expect(usagesOf(['requester', 'approver'])).not.toContain('my unit');
    expect(usagesOf(['requester', 'unit-admin']).sort()).toEqual([...usagesOf(['requester']), 'my unit'].sort());
    expect(usagesOf(['requester', 'admin'])).toContain('my unit');
    // Nothing else is for unit admins alone: the admins' commands stay theirs.
    expect(usagesOf(['requester', 'unit-admin'])).not.toContain('units');
  });

  it('knows every verb it routes', () => {
    expect(surface().verbs()).toEqual(['approveRequest', 'showHelp']);
  });

  it('refuses a command nobody declared, one text could select twice, and a verb registered twice', () => {
    expect(() => surface().command({ name: 'my', run })).toThrow(/not declared/);
    expect(() =>
      new Surface(async () => [], [declare('status', ['admin']), declare('status now', ['admin'])])
        .command({ name: 'status', run })
        .command({ name: 'status now', run }),
    ).toThrow(/overlaps "status"/);
    expect(() => surface().command({ name: 'statuses', run })).not.toThrow();
    expect(() => surface().action({ verb: 'showHelp', run })).toThrow(/registered twice/);
  });

  it('will not start with a declared command that has no handler', () => {
    const app = new Application<QuartermasterTurnState>({ turnStateFactory: () => new QuartermasterTurnState() });
    expect(() => surface().mount(app)).toThrow(/declared without a handler: statuses/);
  });
});
