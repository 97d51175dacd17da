// Partner mode, indirect model: a partner's resellers, which customer each one serves, and the
// margins a customer's prices carry. Plugged into the roles (reseller admins), the partner
// workspace (what a reseller admin reaches) and the catalog (prices with the margin).
import { PartnerResellers } from '../services/partner-resellers.js';
import { CustomerPricingRepository, PartnerResellerRepository } from '../storage/partner-resellers.js';
import { PartnerCustomerRepository } from '../storage/partner-customers.js';
import type { Catalog } from './catalog.js';
import type { Connections } from './connections.js';
import type { Platform } from './platform.js';

export type Resellers = ReturnType<typeof wireResellers>;

export function wireResellers(p: Platform, catalog: Catalog, connections: Connections) {
  const resellers = new PartnerResellers({
    clock: p.clock,
    roles: p.roles,
    workspace: connections.partners,
    links: new PartnerCustomerRepository(p.store),
    resellers: new PartnerResellerRepository(p.store),
    pricing: new CustomerPricingRepository(p.store),
    audit: p.audit,
  });
  if ((p.config.partnerTenants ?? []).length > 0) {
    p.roles.admitResellerAdmins({
      partnerOf: (tenantId) => resellers.partnerOfReseller(tenantId),
      assigned: (resellerTenantId, customerTenantId) => resellers.assigned(resellerTenantId, customerTenantId),
    });
    connections.partners.reachResellers((actor) => resellers.reach(actor));
    catalog.catalog.priceWithMargins((tenantId) => resellers.marginOf(tenantId));
  }
  return { resellers };
}
