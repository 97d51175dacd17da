// What an admin types on the "connect an AWS account" card, checked before anything is
// stored or sent to AWS: shapes only (AWS alone knows whether a key works). Each check
// says what is wrong in words the admin can act on, never echoing a secret back.

export type FieldCheck = { ok: true; value: string } | { ok: false; message: string };

/** Same shape as the connectors' AwsCredentialInput (the domain imports no port). */
export type AwsCredentials =
  { kind: 'access-key'; accessKeyId: string; secretAccessKey: string } | { kind: 'assume-role'; roleArn: string; externalId: string };

export interface AwsAccountInput {
  accountId?: string;
  /** Defaults to 'assume-role' when a role ARN is given, else 'access-key'. */
  kind?: 'access-key' | 'assume-role';
  accessKeyId?: string;
  secretAccessKey?: string;
  roleArn?: string;
  externalId?: string;
}

export type AwsAccountField = 'accountId' | 'accessKeyId' | 'secretAccessKey' | 'roleArn' | 'externalId';

export type AwsAccountCheck =
  | { ok: true; value: { accountId: string; credentials: AwsCredentials } }
  | { ok: false; message: string; errors: string[]; fields: Partial<Record<AwsAccountField, string>> };

const ok = (value: string): FieldCheck => ({ ok: true, value });
const problem = (message: string): FieldCheck => ({ ok: false, message });

/** 12 digits; the dashes the console shows ("1111-2222-3333") are tolerated and dropped. */
export function validateAwsAccountId(input: string | undefined): FieldCheck {
  const value = (input ?? '').trim().replace(/[-\s]/g, '');
  if (!value) return problem('Enter the AWS account ID (12 digits, shown under the account name in the AWS console).');
  if (!/^\d{12}$/.test(value)) return problem(`The AWS account ID must be exactly 12 digits; "${value.slice(0, 20)}" is not.`);
  return ok(value);
}

/** AKIA + 16 uppercase letters or digits. Temporary (ASIA) keys need a session token and expire: refused. */
export function validateAccessKeyId(input: string | undefined): FieldCheck {
  const value = (input ?? '').trim();
  if (!value) return problem('Enter the access key ID (20 characters, starting with AKIA).');
  if (/^ASIA[A-Z0-9]{16}$/.test(value)) {
    return problem(
      'This is a temporary access key (it starts with ASIA) and expires within hours. Create a long-term access key (starting with AKIA) for an IAM user, or connect with a role instead.',
    );
  }
  if (!/^AKIA[A-Z0-9]{16}$/.test(value))
    return problem(
      'The access key ID must be 20 characters: AKIA followed by 16 capital letters or digits (IAM console → Users → Security credentials).',
    );
  return ok(value);
}

/** 40 characters of base64 letters (A–Z, a–z, 0–9, + and /). Never echoed back. */
export function validateSecretAccessKey(input: string | undefined): FieldCheck {
  const value = (input ?? '').trim();
  if (!value) return problem('Enter the secret access key (40 characters, shown once when the key was created).');
  if (value.length !== 40)
    return problem(
      `The secret access key must be 40 characters long; the one entered has ${value.length}. Copy it again without spaces, or create a new key if it is lost.`,
    );
  if (!/^[A-Za-z0-9+/]{40}$/.test(value))
    return problem('The secret access key may contain only letters, digits, + and /. Copy it again from the key file.');
  return ok(value);
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;

/** arn:aws:iam::<12 digits>:role/<optional path/>name, in the account being connected. */
export function validateRoleArn(input: string | undefined, accountId?: string): FieldCheck {
  const value = (input ?? '').trim();
  if (!value)
    return problem(
      'Enter the role ARN, e.g. arn:aws:iam::111122223333:role/QuartermasterCostReader (IAM console → Roles → the role → ARN).',
    );
  const match = ROLE_ARN.exec(value);
  if (!match) return problem('The role ARN must look like arn:aws:iam::111122223333:role/RoleName (a role, not a user or policy ARN).');
  if (accountId !== undefined && match[1] !== accountId)
    return problem(`The role belongs to account ${match[1]}, not to account ${accountId}. Use a role in the account you are connecting.`);
  return ok(value);
}

/** 2–1224 characters of letters, digits and + = , . @ : / - _ (what STS accepts). */
export function validateExternalId(input: string | undefined): FieldCheck {
  const value = (input ?? '').trim();
  if (!value) return problem("Enter the external ID: the value in the role's trust policy (condition sts:ExternalId).");
  if (value.length < 2 || value.length > 1224)
    return problem(`The external ID must be 2 to 1224 characters long; the one entered has ${value.length}.`);
  if (!/^[\w+=,.@:/-]+$/.test(value)) return problem('The external ID may contain only letters, digits and + = , . @ : / - _ (no spaces).');
  return ok(value);
}

/** The whole card: account id plus either an access key pair or a role with its external id. */
export function validateAwsAccountInput(input: AwsAccountInput): AwsAccountCheck {
  const account = validateAwsAccountId(input.accountId);
  const kind = input.kind ?? (input.roleArn?.trim() ? 'assume-role' : 'access-key');
  const checks =
    kind === 'assume-role'
      ? [validateRoleArn(input.roleArn, account.ok ? account.value : undefined), validateExternalId(input.externalId)]
      : [validateAccessKeyId(input.accessKeyId), validateSecretAccessKey(input.secretAccessKey)];
  const credentialFields: AwsAccountField[] = kind === 'assume-role' ? ['roleArn', 'externalId'] : ['accessKeyId', 'secretAccessKey'];
  const named: [AwsAccountField, FieldCheck][] = [
    ['accountId', account],
    ...checks.map((check, i) => [credentialFields[i]!, check] as [AwsAccountField, FieldCheck]),
  ];
  const fields = Object.fromEntries(named.flatMap(([field, check]) => (check.ok ? [] : [[field, check.message]])));
  const errors = Object.values(fields);
  if (!account.ok || errors.length > 0) return { ok: false, message: errors.join(' '), errors, fields };
  const [first, second] = checks.map((check) => (check.ok ? check.value : ''));
  const credentials: AwsCredentials =
    kind === 'assume-role'
      ? { kind, roleArn: first ?? '', externalId: second ?? '' }
      : { kind, accessKeyId: first ?? '', secretAccessKey: second ?? '' };
  return { ok: true, value: { accountId: account.value, credentials } };
}
