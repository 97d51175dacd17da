// The Teams surface's registry: help per role in registration order, the verbs the fuzz test
// sends, and registrations that would make one text or one click select two handlers.
import { describe, expect, it } from 'vitest';
import { Surface, text } from '../../src/bot/surface.js';

const run = async () => text('ok');

function surface(): Surface {
  return new Surface(async () => ['requester'])
    .command({ name: 'help', description: 'Show the commands you can use', anonymous: true, run })
    .command({ name: 'my requests', usage: 'my requests [all]', description: 'Your requests', run })
    .command({ name: 'status', description: 'Storage and uptime', roles: ['admin'], run })
    .command({ name: 'set reclaim days', run }) // no description: not listed
    .action({ verb: 'approveRequest', run })
    .action({ verb: 'showHelp', anonymous: true, run });
}

describe('the surface registry', () => {
  it('lists in help what a role may use, in the order registered', () => {
    expect(
      surface()
        .helpFor(['requester'])
        .map((c) => c.usage),
    ).toEqual(['help', 'my requests [all]']);
    expect(
      surface()
        .helpFor(['requester', 'admin'])
        .map((c) => c.usage),
    ).toEqual(['help', 'my requests [all]', 'status']);
  });

  it('knows every verb it routes', () => {
    expect(surface().verbs()).toEqual(['approveRequest', 'showHelp']);
  });

  it('refuses a command one text could select twice, and a verb registered twice', () => {
    expect(() => surface().command({ name: 'my', run })).toThrow(/overlaps "my requests"/);
    expect(() => surface().command({ name: 'status now', run })).toThrow(/overlaps "status"/);
    expect(() => surface().command({ name: 'statuses', run })).not.toThrow();
    expect(() => surface().action({ verb: 'showHelp', run })).toThrow(/registered twice/);
  });
});
