// The partner workspace's `customer <name>` look-up on Azurite, without Partner Center: what a
// partner admin typed picks one linked customer, and names that come from Partner Center are
// echoed in a chat message as plain text, never as markdown.
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { PartnerWorkspace } from '../../src/services/partner-workspace.js';
import { RoleService } from '../../src/services/roles.js';
import { AuditLog } from '../../src/storage/audit-log.js';
import { PartnerCustomerRepository, type PartnerCustomerLink } from '../../src/storage/partner-customers.js';
import { testClock } from '../harness/clock.js';
import { freshTableStore } from '../harness/storage.js';

const PARTNER = 'a11ce000-0000-4000-8000-000000000001';
const ADMIN = { tenantId: PARTNER, aadObjectId: 'adm00000-0000-4000-8000-000000000001', name: 'Pat Partner' };

const link = (n: number, companyName: string): PartnerCustomerLink => ({
  customerTenantId: `c0570000-0000-4000-8000-00000000000${n}`,
  pcCustomerId: `c0570000-0000-4000-8000-00000000000${n}`,
  companyName,
  domain: `customer${n}.example.com`,
  linkedBy: ADMIN.aadObjectId,
  linkedAt: '2026-03-01T10:00:00.000Z',
});

let workspace: PartnerWorkspace;
beforeAll(async () => {
  const store = await freshTableStore('pw');
  const links = new PartnerCustomerRepository(store);
  await links.link(PARTNER, link(1, '[Contoso](https://example.com/x) *Ltd*'));
  await links.link(PARTNER, link(2, '[Contoso] Retail'));
  workspace = new PartnerWorkspace({
    clock: testClock,
    roles: new RoleService([ADMIN], { partnerTenants: [PARTNER] }),
    partners: [{ tenantId: PARTNER, name: 'Adatum Partners' }],
    links,
    partnerCenterToken: async () => undefined,
    purchaseAccountOf: async () => undefined,
    audit: new AuditLog(store),
    log: createLogger('silent'),
  });
});

describe('partner workspace: a customer by name', () => {
  it('finds the one linked customer a name starts, by company name or domain', async () => {
    const byDomain = await workspace.customerNamed(ADMIN, 'customer2.example.com');
    expect(byDomain.ok && byDomain.value.companyName).toBe('[Contoso] Retail');
  });

  it('lists the names that match more than one customer escaped, so a link or emphasis in a name shows as typed', async () => {
    const ambiguous = await workspace.customerNamed(ADMIN, '[contoso');
    expect(ambiguous.ok).toBe(false);
    if (ambiguous.ok) return;
    expect(ambiguous.reason).toBe('invalid');
    expect(ambiguous.message).toContain('\\[Contoso\\](https://example.com/x) \\*Ltd\\*');
    expect(ambiguous.message).toContain('\\[Contoso\\] Retail');
  });
});
