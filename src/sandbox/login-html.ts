// HTML answers of the login emulator: one small page template with no scripts; every
// value that came from a request is escaped by the caller through escapeHtml.
import type { EmulatorResponse } from './http.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** `body` must already be escaped. */
export function htmlPage(status: number, title: string, body: string): EmulatorResponse {
  const text = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // No form-action: browsers apply it to the redirect after the POST too, and the redirect
    // goes to the app's own origin (the bot's callback), as Entra's pages do.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:"Segoe UI",system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}button{padding:.4rem 1.5rem;margin-right:.5rem}.primary{background:#0067b8;color:#fff;border:0}li{margin:.3rem 0}small{color:#555}</style>',
    '</head><body>',
    '<p><strong>Microsoft</strong> <small>(sandbox)</small></p>',
    body,
    '</body></html>',
  ].join('\n');
  return { status, text, headers: { 'content-type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } };
}

/** A hidden form field. */
export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}
