// The "connect an AWS account" card's checks: shapes only, each failure in words an admin
// can act on, and never the secret echoed back.
import { describe, expect, it } from 'vitest';
import {
  validateAccessKeyId,
  validateAwsAccountId,
  validateAwsAccountInput,
  validateExternalId,
  validateRoleArn,
  validateSecretAccessKey,
} from '../../src/domain/spend/providers/aws-account.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'; // AWS documentation's example

const message = (check: { ok: boolean; message?: string }) => (check.ok ? undefined : check.message);

describe('AWS account id', () => {
  it('takes 12 digits, with the console dashes or spaces dropped', () => {
    expect(validateAwsAccountId('111122223333')).toEqual({ ok: true, value: '111122223333' });
    expect(validateAwsAccountId(' 1111-2222-3333 ')).toEqual({ ok: true, value: '111122223333' });
  });
  it('refuses anything else, saying what it should be', () => {
    expect(message(validateAwsAccountId(''))).toMatch(/Enter the AWS account ID/);
    expect(message(validateAwsAccountId('11112222333'))).toMatch(/exactly 12 digits/);
    expect(message(validateAwsAccountId('11112222333a'))).toMatch(/exactly 12 digits/);
  });
});

describe('access key id', () => {
  it('takes AKIA + 16 capitals or digits', () => {
    expect(validateAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toEqual({ ok: true, value: 'AKIAIOSFODNN7EXAMPLE' });
  });
  it('explains a temporary ASIA key, and a wrong shape', () => {
    expect(message(validateAccessKeyId('ASIAIOSFODNN7EXAMPLE'))).toMatch(/temporary access key/);
    expect(message(validateAccessKeyId('AKIAiosfodnn7example'))).toMatch(/AKIA followed by 16 capital letters or digits/);
    expect(message(validateAccessKeyId('AKIAIOSFODNN7EXAMPL'))).toMatch(/20 characters/);
    expect(message(validateAccessKeyId(undefined))).toMatch(/Enter the access key ID/);
  });
});

describe('secret access key', () => {
  it('takes 40 base64 characters', () => {
    expect(validateSecretAccessKey(SECRET)).toEqual({ ok: true, value: SECRET });
  });
  it('gives the length or the bad characters, never the secret itself', () => {
    const short = message(validateSecretAccessKey(SECRET.slice(0, 39)));
    expect(short).toMatch(/40 characters long; the one entered has 39/);
    expect(short).not.toContain(SECRET.slice(0, 10));
    expect(message(validateSecretAccessKey(`${SECRET.slice(0, 39)}!`))).toMatch(/only letters, digits, \+ and \//);
  });
});

describe('role ARN', () => {
  it('takes a role (with or without a path) in the account being connected', () => {
    expect(validateRoleArn('arn:aws:iam::444455556666:role/QuartermasterCostReader', '444455556666').ok).toBe(true);
    expect(validateRoleArn('arn:aws:iam::444455556666:role/finops/QuartermasterCostReader', '444455556666').ok).toBe(true);
  });
  it('refuses users, malformed ARNs and roles of another account', () => {
    expect(message(validateRoleArn('arn:aws:iam::444455556666:user/bob'))).toMatch(/a role, not a user/);
    expect(message(validateRoleArn('QuartermasterCostReader'))).toMatch(/must look like arn:aws:iam::/);
    expect(message(validateRoleArn('arn:aws:iam::444455556666:role/Reader', '111122223333'))).toBe(
      'The role belongs to account 444455556666, not to account 111122223333. Use a role in the account you are connecting.',
    );
  });
});

describe('external id', () => {
  it('takes 2–1224 characters of the allowed set', () => {
    expect(validateExternalId('qm-sandbox-external-id-7f3a').ok).toBe(true);
    expect(validateExternalId('a:b/c=d,e.f@g+h_i').ok).toBe(true);
    expect(validateExternalId('x'.repeat(1224)).ok).toBe(true);
  });
  it('refuses too short, too long and other characters', () => {
    expect(message(validateExternalId('x'))).toMatch(/2 to 1224 characters/);
    expect(message(validateExternalId('x'.repeat(1225)))).toMatch(/2 to 1224 characters/);
    expect(message(validateExternalId('has space'))).toMatch(/no spaces/);
  });
});

describe('the whole card', () => {
  it('builds access-key credentials', () => {
    expect(validateAwsAccountInput({ accountId: '111122223333', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET })).toEqual({
      ok: true,
      value: {
        accountId: '111122223333',
        credentials: { kind: 'access-key', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
      },
    });
  });
  it('builds assume-role credentials when a role is given', () => {
    expect(
      validateAwsAccountInput({ accountId: '444455556666', roleArn: 'arn:aws:iam::444455556666:role/R', externalId: 'ext-id' }),
    ).toEqual({
      ok: true,
      value: {
        accountId: '444455556666',
        credentials: { kind: 'assume-role', roleArn: 'arn:aws:iam::444455556666:role/R', externalId: 'ext-id' },
      },
    });
  });
  it('lists every problem at once', () => {
    const check = validateAwsAccountInput({
      accountId: '1234',
      kind: 'assume-role',
      roleArn: 'arn:aws:iam::444455556666:role/R',
      externalId: '',
    });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors).toHaveLength(2);
    expect(check.message).toMatch(/12 digits.*external ID/);
  });
});
