// A reseller's assignments beside its own Partner Center customer list: each assigned customer
// listed or not (matched by tenant id or Partner Center customer id, whatever the case), and the
// listed customers nobody assigned, named once each by Partner Center's name and domain.
import { describe, expect, it } from 'vitest';
import { compareResellerCustomers } from '../../src/domain/reseller-customers.js';

const FABRIKAM = { id: 'pc-fab', tenantId: 'AAAA-FAB', companyName: 'Fabrikam', domain: 'fabrikam.example' };
const CONTOSO = { id: 'pc-con', tenantId: 'aaaa-con', companyName: 'Contoso', domain: 'contoso.example' };
const ADVENTURE = { id: 'pc-adv', tenantId: 'aaaa-adv', companyName: 'Adventure Works', domain: 'adventure.example' };

describe('compareResellerCustomers', () => {
  it('marks each assigned customer listed or not, matching tenant ids whatever their case', () => {
    const { listed, notAssigned } = compareResellerCustomers(
      [{ tenantId: 'aaaa-fab' }, { tenantId: 'aaaa-gone', pcCustomerId: 'pc-gone' }],
      [FABRIKAM],
    );
    expect([...listed]).toEqual([
      ['aaaa-fab', true],
      ['aaaa-gone', false],
    ]);
    expect(notAssigned).toEqual([]);
  });

  it('matches by the Partner Center customer id when the tenant ids differ', () => {
    const { listed } = compareResellerCustomers([{ tenantId: 'other-tenant', pcCustomerId: 'PC-FAB' }], [FABRIKAM]);
    expect(listed.get('other-tenant')).toBe(true);
  });

  it('names the listed customers nobody assigned, once each, sorted, by name and domain only', () => {
    const { listed, notAssigned } = compareResellerCustomers([{ tenantId: 'aaaa-fab' }], [CONTOSO, FABRIKAM, ADVENTURE, CONTOSO]);
    expect(listed.get('aaaa-fab')).toBe(true);
    expect(notAssigned).toEqual([
      { companyName: 'Adventure Works', domain: 'adventure.example' },
      { companyName: 'Contoso', domain: 'contoso.example' },
    ]);
  });

  it('with nothing listed: every assignment unlisted, nothing to name', () => {
    const { listed, notAssigned } = compareResellerCustomers([{ tenantId: 'aaaa-fab', pcCustomerId: 'pc-fab' }], []);
    expect(listed.get('aaaa-fab')).toBe(false);
    expect(notAssigned).toEqual([]);
  });

  it('an empty customer id on either side never matches another customer', () => {
    const { listed } = compareResellerCustomers([{ tenantId: 'aaaa-x', pcCustomerId: '' }], [{ ...CONTOSO, id: '' }]);
    expect(listed.get('aaaa-x')).toBe(false);
  });
});
