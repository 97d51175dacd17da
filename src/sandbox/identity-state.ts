// The login emulator's memory of interactive sign-ins: who may sign in, authorization codes
// (single use, 10 minutes) and refresh tokens (rotated on every use, dead after 90 days
// unused, revocable). It keeps its own clock so that tests can jump ahead 90 days.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { SeedSignInAccount } from './seed-identity.js';

export const AUTHORIZATION_CODE_LIFETIME_MS = 10 * 60 * 1000;
export const REFRESH_TOKEN_MAX_INACTIVE_MS = 90 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a sign-in granted: carried from the code to every refresh token that follows. */
export interface SignInGrant {
  clientId: string;
  tenantId: string;
  accountId: string;
  /** Requested scopes, OIDC ones included. */
  scopes: string[];
}

export interface AuthorizationCode extends SignInGrant {
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  issuedAt: Date;
  redeemedAt?: Date;
}

export interface RefreshTokenRecord extends SignInGrant {
  issuedAt: Date;
  lastUsedAt: Date;
}

export type Redemption<T> = { ok: true; record: T } | { ok: false; reason: 'unknown' | 'redeemed' | 'expired' | 'revoked' };

export class IdentityState {
  readonly accounts = new Map<string, SeedSignInAccount>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Sign-ins of these accounts issued before the given time are revoked (Entra's TokensValidFrom). */
  private readonly validFrom = new Map<string, Date>();
  private offsetMs = 0;

  constructor(
    accounts: readonly SeedSignInAccount[] = [],
    private readonly clock: Clock = systemClock,
  ) {
    for (const account of accounts)
      this.accounts.set(account.id, {
        ...account,
        directoryRoles: [...account.directoryRoles],
        partnerCenterRoles: [...account.partnerCenterRoles],
      });
  }

  /** The emulator's idea of now: the sandbox's clock plus whatever the tests skipped. */
  now(): Date {
    return new Date(this.clock().getTime() + this.offsetMs);
  }

  /** Moves the identity clock forward (e.g. 91 days to let refresh tokens die of inactivity). */
  advanceDays(days: number): void {
    this.offsetMs += days * DAY_MS;
  }

  /** Accounts offered on a tenant's pages; 'organizations'/'common' offers every tenant's. */
  accountsFor(tenantId: string | undefined): SeedSignInAccount[] {
    return [...this.accounts.values()].filter((a) => tenantId === undefined || a.tenantId === tenantId);
  }

  issueCode(code: Omit<AuthorizationCode, 'issuedAt' | 'redeemedAt'>): string {
    const value = opaque(48);
    this.codes.set(value, { ...code, issuedAt: this.now() });
    return value;
  }

  /** Looks a code up without spending it. */
  peekCode(value: string): Redemption<AuthorizationCode> {
    const record = this.codes.get(value);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.redeemedAt) return { ok: false, reason: 'redeemed' };
    if (this.now().getTime() - record.issuedAt.getTime() > AUTHORIZATION_CODE_LIFETIME_MS) return { ok: false, reason: 'expired' };
    if (this.isRevoked(record.accountId, record.issuedAt)) return { ok: false, reason: 'revoked' };
    return { ok: true, record };
  }

  /** Marks the code used: any later redemption is refused (AADSTS54005). */
  spendCode(value: string): void {
    const record = this.codes.get(value);
    if (record) record.redeemedAt = this.now();
  }

  issueRefreshToken(grant: SignInGrant): string {
    const value = opaque(96);
    const now = this.now();
    this.refreshTokens.set(value, { ...grant, scopes: [...grant.scopes], issuedAt: now, lastUsedAt: now });
    return value;
  }

  /** Uses a refresh token: alive unless unused for 90 days or revoked; a use counts as activity. */
  useRefreshToken(value: string): Redemption<RefreshTokenRecord> {
    const record = this.refreshTokens.get(value);
    if (!record) return { ok: false, reason: 'unknown' };
    if (this.isRevoked(record.accountId, record.issuedAt)) return { ok: false, reason: 'revoked' };
    const now = this.now();
    if (now.getTime() - record.lastUsedAt.getTime() > REFRESH_TOKEN_MAX_INACTIVE_MS) return { ok: false, reason: 'expired' };
    record.lastUsedAt = now;
    return { ok: true, record };
  }

  /** The refresh token's record, for error messages and tests. */
  refreshToken(value: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(value);
  }

  /** Revokes every sign-in of the account so far (as "Revoke sessions" or a password reset). */
  revokeSignIns(accountId: string): void {
    this.validFrom.set(accountId, this.now());
  }

  revokedSince(accountId: string): Date | undefined {
    return this.validFrom.get(accountId);
  }

  private isRevoked(accountId: string, issuedAt: Date): boolean {
    const from = this.validFrom.get(accountId);
    return from !== undefined && issuedAt.getTime() <= from.getTime();
  }
}

function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
