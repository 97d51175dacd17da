// Issue 20, jargon: a license no catalog offer sells is named as unknown, the part number only as a clue.
import { describe, expect, it } from 'vitest';
import { productNameOf } from '../../src/services/admin-alerts.js';

describe('productNameOf', () => {
  const offers = [{ skuPartNumber: 'VISIOCLIENT', name: 'Visio Plan 2' }];

  it('names a license the catalog sells, whatever the case of its part number', () => {
    expect(productNameOf(offers, 'visioclient')).toBe('Visio Plan 2');
  });

  it('says a license the catalog does not sell is unknown, instead of showing the bare part number', () => {
    expect(productNameOf(offers, 'FLOW_FREE')).toBe('Unknown product (FLOW_FREE)');
  });
});
