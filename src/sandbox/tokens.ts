// JWT-shaped access tokens, signed with a key that lives only as long as the sandbox, so the
// emulators accept exactly the tokens their own login endpoint issued.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
/** Azure Resource Manager (Cost Management queries). */
export const AZURE_MANAGEMENT_RESOURCE = 'https://management.azure.com';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  tid: string;
  oid: string;
  roles: string[];
  ver: '1.0';
  uti: string;
  /** Delegated (app+user) tokens only: the signed-in user and the granted scopes. */
  upn?: string;
  name?: string;
  scp?: string;
  /** How the user authenticated (e.g. ["pwd", "mfa"]); Partner Center wants "mfa" for App+User calls. */
  amr?: string[];
}

/** The user of a delegated token; its oid replaces the app-only token's random one. */
export interface DelegatedUserClaims {
  oid: string;
  upn: string;
  name: string;
  scp: string;
  amr: string[];
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export class TokenIssuer {
  private readonly key = randomBytes(32);

  issue(claims: { tid: string; aud: string; appid: string; roles: string[] }, lifetimeSeconds: number, user?: DelegatedUserClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const payload: AccessTokenClaims = {
      ...claims,
      iss: `https://sts.windows.net/${claims.tid}/`,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      oid: randomUUID(),
      ver: '1.0',
      uti: randomBytes(16).toString('base64url'),
      ...user,
    };
    return this.issueJwt(payload);
  }

  /** Signs any payload (id tokens); only `verify` of access tokens checks claims. */
  issueJwt(payload: object): string {
    const unsigned = `${base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'sandbox' }))}.${base64url(JSON.stringify(payload))}`;
    return `${unsigned}.${this.sign(unsigned)}`;
  }

  /** The claims of a token this issuer signed and that has not expired; otherwise the reason it is refused. */
  verify(token: string): { claims: AccessTokenClaims } | { problem: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { problem: 'IDX14100: JWT is not well formed.' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { problem: 'Access token validation failure. Invalid signature.' };
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { problem: 'IDX14100: JWT is not well formed.' };
    }
    if (claims.exp * 1000 <= Date.now()) return { problem: 'Lifetime validation failed, the token is expired.' };
    return { claims };
  }

  private sign(unsigned: string): string {
    return createHmac('sha256', this.key).update(unsigned).digest('base64url');
  }
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
