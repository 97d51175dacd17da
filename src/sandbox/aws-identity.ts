// The sandbox's IAM: seeded access keys, temporary credentials handed out by AssumeRole, and
// the SigV4 check both AWS emulators run. The signature is recomputed from the secret key
// exactly as AWS does (canonical request → string to sign → HMAC chain), so a wrong secret
// fails the way it does against the real service.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AWS_SANDBOX_KEYS, AWS_SANDBOX_ROLE, AWS_SYNTHETIC_KEY, type AwsSandboxKey, type AwsSandboxRole } from './aws-cost-data.js';
import { header, type EmulatorRequest } from './http.js';

/** Who signed a request: an IAM user, or a role session from AssumeRole. */
export interface AwsPrincipal {
  accountId: string;
  /** arn:aws:iam::…:user/name or arn:aws:sts::…:assumed-role/Role/session */
  arn: string;
  permissions: readonly string[];
}

interface TemporaryCredential extends AwsPrincipal {
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

export type AwsAuthFailure = 'missing' | 'malformed' | 'unknown-key' | 'bad-signature' | 'expired-token';

export class AwsIdentityState {
  readonly keys = new Map<string, AwsSandboxKey>();
  readonly roles = new Map<string, AwsSandboxRole>();
  readonly temporary = new Map<string, TemporaryCredential>();
  /** Accounts that turned Cost Explorer on. */
  readonly costExplorerEnabled = new Set<string>();

  constructor(options: { synthetic?: boolean } = {}) {
    for (const key of Object.values(AWS_SANDBOX_KEYS)) this.keys.set(key.accessKeyId, { ...key, permissions: [...key.permissions] });
    if (options.synthetic) this.keys.set(AWS_SYNTHETIC_KEY.accessKeyId, { ...AWS_SYNTHETIC_KEY });
    this.roles.set(AWS_SANDBOX_ROLE.arn, { ...AWS_SANDBOX_ROLE, trustedPrincipalArns: [...AWS_SANDBOX_ROLE.trustedPrincipalArns] });
    for (const key of this.keys.values())
      if (key.accountId !== AWS_SANDBOX_KEYS.costExplorerOff.accountId) this.costExplorerEnabled.add(key.accountId);
    this.costExplorerEnabled.add(AWS_SANDBOX_ROLE.accountId);
  }

  /** Issues ASIA… credentials for a role session (what STS AssumeRole returns). */
  issueTemporary(
    role: AwsSandboxRole,
    sessionName: string,
    lifetimeSeconds: number,
  ): {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiresAt: number;
    assumedRoleArn: string;
    assumedRoleId: string;
  } {
    const accessKeyId = `ASIA${randomAlphanumeric(16)}`;
    const secretAccessKey = randomBytes(30).toString('base64'); // 40 characters, like AWS
    const sessionToken = `QMSANDBOX/${randomBytes(96).toString('base64')}`;
    const expiresAt = Date.now() + lifetimeSeconds * 1000;
    const roleName = role.arn.slice(role.arn.lastIndexOf('/') + 1);
    const assumedRoleArn = `arn:aws:sts::${role.accountId}:assumed-role/${roleName}/${sessionName}`;
    this.temporary.set(accessKeyId, {
      accountId: role.accountId,
      arn: assumedRoleArn,
      permissions: role.permissions,
      secretAccessKey,
      sessionToken,
      expiresAt,
    });
    return {
      accessKeyId,
      secretAccessKey,
      sessionToken,
      expiresAt,
      assumedRoleArn,
      assumedRoleId: `AROAQMSANDBOX${hashId(role.arn)}:${sessionName}`,
    };
  }

  /** Checks the request's SigV4 signature against the key it names. */
  authenticate(
    request: EmulatorRequest,
  ): { principal: AwsPrincipal; accessKeyId: string } | { failure: AwsAuthFailure; accessKeyId?: string } {
    const authorization = header(request, 'authorization');
    if (!authorization) return { failure: 'missing' };
    const parsed = parseAuthorization(authorization);
    if (!parsed) return { failure: 'malformed' };
    const { accessKeyId } = parsed;

    let principal: AwsPrincipal;
    let secret: string;
    const key = this.keys.get(accessKeyId);
    const temporary = this.temporary.get(accessKeyId);
    if (key) {
      principal = key;
      secret = key.secretAccessKey;
    } else if (temporary) {
      if (header(request, 'x-amz-security-token') !== temporary.sessionToken) return { failure: 'unknown-key', accessKeyId };
      if (Date.now() >= temporary.expiresAt) return { failure: 'expired-token', accessKeyId };
      principal = temporary;
      secret = temporary.secretAccessKey;
    } else {
      return { failure: 'unknown-key', accessKeyId };
    }
    if (!signatureMatches(request, parsed, secret)) return { failure: 'bad-signature', accessKeyId };
    return { principal: { accountId: principal.accountId, arn: principal.arn, permissions: principal.permissions }, accessKeyId };
  }
}

interface ParsedAuthorization {
  accessKeyId: string;
  /** date/region/service/aws4_request */
  scope: string;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKIA…/20261129/us-east-1/ce/aws4_request, SignedHeaders=…, Signature=…` */
function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const match =
    /^AWS4-HMAC-SHA256\s+Credential=([A-Z0-9]+)\/(\d{8}\/[\w-]+\/[\w-]+\/aws4_request),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      value.trim(),
    );
  if (!match) return undefined;
  const [, accessKeyId = '', scope = '', signedHeaders = '', signature = ''] = match;
  return { accessKeyId, scope, signedHeaders: signedHeaders.split(';'), signature };
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

function signatureMatches(request: EmulatorRequest, auth: ParsedAuthorization, secretAccessKey: string): boolean {
  const amzDate = header(request, 'x-amz-date');
  if (!amzDate || !auth.signedHeaders.includes('host')) return false;
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(header(request, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalQuery = [...request.url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const payloadHash = header(request, 'x-amz-content-sha256') ?? sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    request.path || '/',
    canonicalQuery,
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, auth.scope, sha256Hex(canonicalRequest)].join('\n');
  const [date = '', region = '', service = ''] = auth.scope.split('/');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  const expected = Buffer.from(hmac(signingKey, stringToSign).toString('hex'));
  const given = Buffer.from(auth.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function randomAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function hashId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();
}
