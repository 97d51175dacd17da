// How the identity platform says no: the token endpoint's JSON error body, the error query
// a redirect carries back to the app, and the HTML error page shown when there is no safe
// place to redirect to (unknown app, unregistered redirect URI).
import { randomUUID } from 'node:crypto';
import { header, json, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { LOGIN_HOST_NAME } from './login-host.js';
import { escapeHtml, htmlPage } from './login-html.js';

/** The identity platform's error body: `AADSTSnnnn: message` plus trace ids. */
export function aadError(
  request: EmulatorRequest,
  status: number,
  error: string,
  code: number,
  message: string,
  headers?: Record<string, string>,
): EmulatorResponse {
  const traceId = randomUUID();
  const correlationId = header(request, 'client-request-id') ?? randomUUID();
  const timestamp = aadTimestamp();
  return json(
    status,
    {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://${LOGIN_HOST_NAME}/error?code=${code}`,
    },
    headers,
  );
}

/** 302 to the app's redirect URI with `params` added to whatever query it already has. */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>): EmulatorResponse {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.append(name, value);
  return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' } };
}

/** The error redirect: `error`, `error_description` (AADSTS code first), `state` when given. */
export function redirectError(
  redirectUri: string,
  error: string,
  code: number,
  message: string,
  extra: { state?: string | undefined; error_subcode?: string } = {},
): EmulatorResponse {
  const traceId = randomUUID();
  return redirectTo(redirectUri, {
    error,
    ...(extra.error_subcode ? { error_subcode: extra.error_subcode } : {}),
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${aadTimestamp()}`,
    error_uri: `https://${LOGIN_HOST_NAME}/error?code=${code}`,
    state: extra.state,
  });
}

/** "Sign in — Sorry, but we're having trouble signing you in." with the AADSTS text (escaped). */
export function aadErrorPage(code: number, message: string): EmulatorResponse {
  const body = [
    '<h1>Sign in</h1>',
    '<p>Sorry, but we’re having trouble signing you in.</p>',
    `<p id="error">AADSTS${code}: ${escapeHtml(message)}</p>`,
    '<dl>',
    `<dt>Request Id</dt><dd>${randomUUID()}</dd>`,
    `<dt>Correlation Id</dt><dd>${randomUUID()}</dd>`,
    `<dt>Timestamp</dt><dd>${escapeHtml(new Date().toISOString())}</dd>`,
    '</dl>',
  ].join('\n');
  return htmlPage(400, 'Sign in to your account', body);
}

function aadTimestamp(): string {
  return new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
