// The Agents Playground shows one person at a time (its `currentUser`). Local mode opens
// one Playground per demo person, so that the requester and the approvers can each use
// their own browser tab. Users and tenant are the Playground's defaults, which the
// sandbox's directory mirrors (src/sandbox/seed.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PLAYGROUND_TENANT_ID = '00000000-0000-0000-0000-0000000000001';

export interface PlaygroundUser {
  key: string;
  id: string;
  name: string;
  upn: string;
  aadObjectId: string;
  /** The person's Teams tenant, with the others in it (the Playground wants five or more); the demo's when absent. */
  tenant?: { id: string; colleagues: PlaygroundUser[] };
}

const user = (n: number, key: string, name: string, upn: string): PlaygroundUser => ({
  key,
  id: `user-id-${n}`,
  name,
  upn,
  aadObjectId: `00000000-0000-0000-0000-00000000000${20 + n}`,
});

export const PLAYGROUND_USERS: PlaygroundUser[] = [
  user(0, 'alex', 'Alex Wilber', 'alexw@example.com'),
  user(1, 'megan', 'Megan Bowen', 'meganb@example.com'),
  user(2, 'adele', 'Adele Vance', 'adelev@example.com'),
  user(3, 'isaiah', 'Isaiah Langer', 'isaiahl@example.com'),
  user(4, 'patti', 'Patti Fernandez', 'pattif@example.com'),
  user(5, 'lynne', 'Lynne Robbins', 'lynner@example.com'),
];

/** Writes `.m365agentsplayground.yml` into `workDir` with `current` as the signed-in person. */
export function writePlaygroundConfig(workDir: string, current: PlaygroundUser): void {
  mkdirSync(workDir, { recursive: true });
  const entry = (u: PlaygroundUser, indent: string) =>
    [
      `id: ${u.id}`,
      `name: ${u.name}`,
      `userPrincipleName: ${u.upn}`,
      `aadObjectId: ${u.aadObjectId}`,
      `givenName: ${u.name.split(' ')[0]}`,
      `surname: ${u.name.split(' ')[1]}`,
      `email: ${u.upn}`,
    ]
      .map((line, i) => (i === 0 && indent.endsWith('- ') ? indent : indent.replace('- ', '  ')) + line)
      .join('\n');
  const others = current.tenant?.colleagues ?? PLAYGROUND_USERS.filter((u) => u.key !== current.key);
  const yaml = [
    '# Written by `npm start` (src/local/playground-users.ts); edits are overwritten.',
    'version: "0.1.1"',
    `tenantId: ${current.tenant?.id ?? PLAYGROUND_TENANT_ID}`,
    'bot:',
    '  id: 00000000-0000-0000-0000-00000000000011',
    '  name: Quartermaster',
    'currentUser:',
    entry(current, '  '),
    'users:',
    ...others.map((u) => entry(u, '  - ')),
    'personalChat:',
    `  id: personal-chat-${current.key}`,
    'groupChat:',
    '  id: group-chat-demo',
    '  name: Group Chat',
    'team:',
    '  id: team-id',
    '  name: My Team',
    '  aadGroupId: 00000000-0000-0000-0000-000000000031',
    '  channels:',
    '    - id: channel-announcements-id',
    '      name: Announcements',
    '',
  ].join('\n');
  writeFileSync(join(workDir, '.m365agentsplayground.yml'), yaml);
}
