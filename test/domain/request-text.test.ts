import { describe, expect, it } from 'vitest';
import { isRequestIntent, matchProduct, parseRequestText } from '../../src/domain/request-text.js';

const offer = (offerId: string, name: string, skuPartNumber: string) => ({ offerId, name, skuPartNumber });
const catalog = [
  offer('m365-e3', 'Microsoft 365 E3', 'SPE_E3'),
  offer('m365-e5', 'Microsoft 365 E5', 'SPE_E5'),
  offer('o365-e3', 'Office 365 E3', 'ENTERPRISEPACK'),
  offer('visio-1', 'Visio Plan 1', 'VISIO_PLAN1_DEPT'),
  offer('visio-2', 'Visio Plan 2', 'VISIOCLIENT'),
  offer('pbi-pro', 'Power BI Pro', 'POWER_BI_PRO'),
  offer('pbi-ppu', 'Power BI Premium Per User', 'PBI_PREMIUM_PER_USER'),
  offer('project-1', 'Project Plan 1', 'PROJECT_PLAN1_DEPT'),
  offer('project-3', 'Project Plan 3', 'PROJECTPROFESSIONAL'),
  offer('project-5', 'Project Plan 5', 'PROJECTPREMIUM'),
];

describe('parsing what people type', () => {
  it.each([
    ['request', {}],
    ['request visio', { productOfferId: 'visio-2', productQuery: 'visio' }],
    ['I need 2 Power BI Pro licenses', { productOfferId: 'pbi-pro', productQuery: 'Power BI Pro', quantity: 2 }],
    ['i need two visio licences', { productOfferId: 'visio-2', productQuery: 'visio', quantity: 2 }],
    ['get Visio for megan@example.com', { productOfferId: 'visio-2', productQuery: 'Visio', forUpn: 'megan@example.com' }],
    ['request 3 x E3 for adelev@example.com', { productOfferId: 'm365-e3', productQuery: 'E3', quantity: 3, forUpn: 'adelev@example.com' }],
    ['can I have project plan 3', { productOfferId: 'project-3', productQuery: 'project plan 3' }],
    ['Can I have Project Plan 3?', { productOfferId: 'project-3', productQuery: 'Project Plan 3' }],
  ])('%s', (text, expected) => {
    expect(parseRequestText(text, catalog)).toEqual(expected);
  });

  it('understands short names and abbreviations', () => {
    expect(parseRequestText('request power bi', catalog).productOfferId).toBe('pbi-pro');
    expect(parseRequestText('request pbi', catalog).productOfferId).toBe('pbi-pro');
    expect(parseRequestText('request e5', catalog).productOfferId).toBe('m365-e5');
    expect(parseRequestText('request m365 e3', catalog).productOfferId).toBe('m365-e3');
    expect(parseRequestText('request O365 E3', catalog).productOfferId).toBe('o365-e3');
    expect(parseRequestText('request Office 365 E3', catalog).productOfferId).toBe('o365-e3');
    expect(parseRequestText('request visio plan 1', catalog).productOfferId).toBe('visio-1');
    expect(parseRequestText('request visio 1', catalog).productOfferId).toBe('visio-1');
    expect(parseRequestText('request premium per user', catalog).productOfferId).toBe('pbi-ppu');
    expect(parseRequestText('request VISIOCLIENT', catalog).productOfferId).toBe('visio-2');
  });

  it('keeps the words but picks nothing when several products match', () => {
    expect(parseRequestText('request project', catalog)).toEqual({ productQuery: 'project' });
    expect(parseRequestText('I need 2 project licenses', catalog)).toEqual({ productQuery: 'project', quantity: 2 });
  });

  it('keeps the words when nothing matches', () => {
    expect(parseRequestText('request photoshop', catalog)).toEqual({ productQuery: 'photoshop' });
  });

  it('does not let a short name pick an offer the catalog lacks', () => {
    const onlyPlan1 = [offer('visio-1', 'Visio Plan 1', 'VISIO_PLAN1_DEPT')];
    expect(parseRequestText('request visio', onlyPlan1).productOfferId).toBe('visio-1');
    expect(parseRequestText('request e3', [offer('o365-e3', 'Office 365 E3', 'ENTERPRISEPACK')]).productOfferId).toBe('o365-e3');
    expect(parseRequestText('request visio', []).productOfferId).toBeUndefined();
  });

  it('treats offers that differ only in term as one product', () => {
    const terms = [offer('visio-2:P1M', 'Visio Plan 2', 'VISIOCLIENT'), offer('visio-2:P1Y', 'Visio Plan 2', 'VISIOCLIENT')];
    expect(parseRequestText('request visio', terms).productOfferId).toBe('visio-2:P1M');
  });

  it('reads quantities where people put them, and only there', () => {
    expect(parseRequestText('request 3x E3', catalog)).toMatchObject({ quantity: 3, productOfferId: 'm365-e3' });
    expect(parseRequestText('request E3 x 4', catalog)).toMatchObject({ quantity: 4, productOfferId: 'm365-e3' });
    expect(parseRequestText('request E3 x4', catalog)).toMatchObject({ quantity: 4, productOfferId: 'm365-e3' });
    expect(parseRequestText('I need ten visio seats', catalog)).toMatchObject({ quantity: 10, productOfferId: 'visio-2' });
    expect(parseRequestText('I need 5 of visio', catalog)).toMatchObject({ quantity: 5, productOfferId: 'visio-2' });
    expect(parseRequestText('request 2', catalog)).toEqual({ quantity: 2 });
    // The 3 belongs to the name here.
    expect(parseRequestText('request project plan 3', catalog).quantity).toBeUndefined();
    // "a" is not a count the parser invents.
    expect(parseRequestText('I need a Visio license', catalog)).toEqual({ productOfferId: 'visio-2', productQuery: 'Visio' });
  });

  it('returns out-of-range quantities as typed (validation decides)', () => {
    expect(parseRequestText('I need 0 visio licenses', catalog).quantity).toBe(0);
    expect(parseRequestText('I need 500 visio licenses', catalog).quantity).toBe(500);
  });

  it('tells a person after "for" from a product after "for"', () => {
    expect(parseRequestText('get Visio for Megan Bowen', catalog)).toEqual({
      productOfferId: 'visio-2',
      productQuery: 'Visio',
      forName: 'Megan Bowen',
    });
    expect(parseRequestText('I need a license for visio', catalog)).toEqual({ productOfferId: 'visio-2', productQuery: 'visio' });
    expect(parseRequestText('I need visio for me', catalog)).toEqual({ productOfferId: 'visio-2', productQuery: 'visio' });
    expect(parseRequestText('request for megan@example.com', catalog)).toEqual({ forUpn: 'megan@example.com' });
    expect(parseRequestText('request visio for MeganB@Contoso.onmicrosoft.com please', catalog)).toMatchObject({
      productOfferId: 'visio-2',
      forUpn: 'MeganB@Contoso.onmicrosoft.com',
    });
  });

  it('ignores mentions, markup, politeness and punctuation', () => {
    expect(parseRequestText('/request visio', catalog)).toEqual({ productOfferId: 'visio-2', productQuery: 'visio' });
    expect(parseRequestText('<at>Quartermaster</at> please request visio!', catalog)).toEqual({
      productOfferId: 'visio-2',
      productQuery: 'visio',
    });
    expect(parseRequestText('Hi, I’d like to request 2 Power BI Pro licenses, thanks', catalog)).toEqual({
      productOfferId: 'pbi-pro',
      productQuery: 'Power BI Pro',
      quantity: 2,
    });
    expect(parseRequestText('get visio for <a href="mailto:megan@example.com">megan@example.com</a>', catalog)).toMatchObject({
      productOfferId: 'visio-2',
      forUpn: 'megan@example.com',
    });
  });

  it('copes with empty and enormous input', () => {
    expect(parseRequestText('', catalog)).toEqual({});
    expect(parseRequestText('   ', catalog)).toEqual({});
    const started = performance.now();
    const parsed = parseRequestText(`request ${'visio '.repeat(20_000)}`, catalog);
    expect(performance.now() - started).toBeLessThan(500);
    expect(parsed.productQuery?.length).toBeLessThanOrEqual(500);
  });
});

describe('matching a product by name', () => {
  it('prefers an exact name over a short name', () => {
    expect(matchProduct('Visio Plan 1', catalog)?.offerId).toBe('visio-1');
    expect(matchProduct('visio', catalog)?.offerId).toBe('visio-2');
  });

  it('matches word prefixes of three letters or more, but never digits inside numbers', () => {
    expect(matchProduct('proj plan 5', catalog)?.offerId).toBe('project-5');
    expect(matchProduct('microsoft 3', catalog)).toBeUndefined();
    expect(matchProduct('pr', catalog)).toBeUndefined();
  });

  it('returns undefined for nothing to match', () => {
    expect(matchProduct('', catalog)).toBeUndefined();
    expect(matchProduct('!!!', catalog)).toBeUndefined();
  });
});

describe('recognizing a request', () => {
  it.each([
    'request',
    'Request visio',
    '/request visio',
    'please request E3',
    'I need 2 Power BI Pro licenses',
    'i need two visio licences',
    'get Visio for megan@example.com',
    'get me a license',
    'can I have project plan 3',
    'I’d like a Visio license',
    'we need 5 seats',
    '<at>Quartermaster</at> I need Visio',
    'I need project',
  ])('yes: %s', (text) => {
    expect(isRequestIntent(text)).toBe(true);
  });

  it.each([
    'help',
    'status',
    'whoami',
    'I need help',
    'can I get help with my license',
    'get status',
    'get',
    'I need',
    'hello there',
    'requests',
    'what licenses do I have',
    'I want to cancel my visio request',
    'I need a coffee',
  ])('no: %s', (text) => {
    expect(isRequestIntent(text)).toBe(false);
  });

  it('uses the catalog to recognize product names it has no built-in word for', () => {
    const withAcrobat = [offer('acrobat', 'Adobe Acrobat Pro', 'ACROBAT')];
    expect(isRequestIntent('I need acrobat')).toBe(false);
    expect(isRequestIntent('I need acrobat', withAcrobat)).toBe(true);
  });
});
