// A reseller's two views of its customers: the ones its partner assigned to it in Quartermaster,
// and the ones Partner Center lists under the reseller's own account. They should agree; where
// they do not, the reseller is told which side to ask about (its partner, for an assignment
// Partner Center does not back; its partner again, for a customer Partner Center lists and
// nobody assigned). A customer matches by its tenant id or its Partner Center customer id.

/** A customer the partner assigned to the reseller. */
export interface AssignedCustomer {
  tenantId: string;
  pcCustomerId?: string;
}

/** A customer as Partner Center lists it under the reseller's own account. */
export interface ListedCustomer {
  id: string;
  tenantId: string;
  companyName: string;
  domain: string;
}

export interface ResellerCustomerComparison {
  /** Each assigned customer (lower-cased tenant id): whether Partner Center lists it for the reseller. */
  listed: Map<string, boolean>;
  /** Customers Partner Center lists for the reseller that are not assigned to it, by the name and domain Partner Center gives, sorted by name. */
  notAssigned: { companyName: string; domain: string }[];
}

export function compareResellerCustomers(
  assigned: readonly AssignedCustomer[],
  listedByPartnerCenter: readonly ListedCustomer[],
): ResellerCustomerComparison {
  const key = (value: string | undefined) => value?.trim().toLowerCase() ?? '';
  const matches = (a: AssignedCustomer, c: ListedCustomer) =>
    key(c.tenantId) === key(a.tenantId) || (key(a.pcCustomerId) !== '' && key(c.id) === key(a.pcCustomerId));
  const listed = new Map(assigned.map((a) => [key(a.tenantId), listedByPartnerCenter.some((c) => matches(a, c))]));
  const seen = new Set<string>();
  const notAssigned = listedByPartnerCenter
    .filter((c) => !assigned.some((a) => matches(a, c)))
    .filter((c) => {
      // Partner Center may page the same customer twice; name it once.
      const id = key(c.tenantId) || key(c.id);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .map((c) => ({ companyName: c.companyName, domain: c.domain }))
    .sort((a, b) => a.companyName.localeCompare(b.companyName) || a.domain.localeCompare(b.domain));
  return { listed, notAssigned };
}
