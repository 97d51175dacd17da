// msal-node's network module for sandbox mode only. msal insists on https authorities
// (https://login.microsoftonline.com/{tenant}), so it keeps the real authority and this
// client sends those requests to the loopback login emulator instead. Any other host is
// refused: in sandbox mode nothing may leave the machine.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export class SandboxLoginNetworkClient implements INetworkModule {
  private readonly from: URL;
  private readonly to: URL;

  /** @param loginUrl the emulator, e.g. http://127.0.0.1:5123 */
  constructor(loginUrl: string, authorityHost = DEFAULT_AUTHORITY_HOST) {
    this.from = new URL(authorityHost);
    this.to = new URL(loginUrl);
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** The emulator URL for a login-host URL; throws for any other host. */
  redirect(url: string): string {
    const target = new URL(url);
    if (target.host !== this.from.host) throw new Error(`sandbox: refusing to send a sign-in request to ${target.host}`);
    target.protocol = this.to.protocol;
    target.host = this.to.host;
    return target.toString();
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const response = await fetch(this.redirect(url), {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      ...(timeout ? { signal: AbortSignal.timeout(timeout) } : {}),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    return { status: response.status, headers, body: (await response.json()) as T };
  }
}
