// The chat commands: what help lists per role, and how typed text selects one.
import type { TurnContext } from 'botbuilder';
import type { Role } from '../domain/roles.js';
import type { CommandLine } from './cards.js';

export interface CommandSpec extends CommandLine {
  name: string;
  /** Who may use it; "requester" means everyone in the tenant. */
  roles: Role[];
}

export const COMMANDS: CommandSpec[] = [
  { name: 'help', usage: 'help', description: 'Show the commands you can use', roles: ['requester'] },
  { name: 'whoami', usage: 'whoami', description: 'Your name, tenant and role as I see them', roles: ['requester'] },
  { name: 'status', usage: 'status', description: 'Storage, version and uptime of Quartermaster', roles: ['admin'] },
];

export function commandsFor(roles: readonly Role[]): CommandLine[] {
  return COMMANDS.filter((c) => c.roles.some((r) => roles.includes(r))).map(({ usage, description }) => ({ usage, description }));
}

/** "help", "/help", "Help me" → "help": the first word, lower-cased, without a leading slash. */
export function commandWord(text: string | undefined): string {
  return (text ?? '').trim().split(/\s+/)[0]?.replace(/^\//, '').toLowerCase() ?? '';
}

/** Route selector for a command typed in a message. */
export function command(name: string) {
  return async (context: TurnContext): Promise<boolean> =>
    context.activity.type === 'message' && commandWord(context.activity.text) === name;
}
