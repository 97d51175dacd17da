// People as the directory knows them, for answers in chat: the tenant's admins by name ("ask
// Patti Fernandez"), and a colleague named in a message ("Visio for Megan Bowen").
import type { DirectoryPort, DirectoryUser } from '../connectors/ports.js';
import type { RoleService } from './roles.js';

/** Lower case without accents, so "José" is found as "jose". */
const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

export class PeopleService {
  constructor(
    private readonly directory: DirectoryPort,
    private readonly roles: RoleService,
  ) {}

  /** Display names of the tenant's admins (ids the directory does not know are left out). */
  async adminNames(tenantId: string): Promise<string[]> {
    const users = await Promise.all(this.roles.adminIds(tenantId).map((id) => this.directory.getUser(tenantId, id).catch(() => undefined)));
    return users.flatMap((user) => (user ? [user.displayName] : []));
  }

  /**
   * Colleagues whose display name, mail or sign-in name starts with each word of `name`
   * ("megan" and "Megan B" find Megan Bowen). Several people may fit: the caller asks.
   */
  async findByName(tenantId: string, name: string): Promise<DirectoryUser[]> {
    const wanted = fold(name).split(/\s+/).filter(Boolean);
    if (wanted.length === 0) return [];
    const users = await this.directory.listUsers(tenantId);
    return users.filter((user) => {
      const words = fold(`${user.displayName} ${user.userPrincipalName.split('@')[0] ?? ''}`).split(/[^\p{L}\p{N}]+/u);
      return wanted.every((part) => words.some((word) => word.startsWith(part)));
    });
  }
}
