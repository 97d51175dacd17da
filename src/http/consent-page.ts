// The page the browser sees after the admin-consent callback: HTTP presentation, kept out of
// the domain (which decides what the page says, in ConsentPage) and out of the Teams surface.
import type { ConsentPage } from '../domain/consent.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** A small self-contained page; every value is escaped, so script in a description is text. */
export function renderConsentPage(page: ConsentPage): string {
  const details = (page.details ?? []).map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No scripts, no external resources: the page only shows text.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(page.title)} - Quartermaster</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}.failed h1{color:#a4262c}.connected h1{color:#107c10}li{word-break:break-word}</style>',
    `</head><body class="${page.outcome === 'connected' ? 'connected' : 'failed'}">`,
    `<h1>${escapeHtml(page.title)}</h1>`,
    `<p>${escapeHtml(page.message)}</p>`,
    details ? `<ul>${details}</ul>` : '',
    '</body></html>',
  ].join('\n');
}
