// A browser's part in the login emulator's pages, for tests: open a page, pick an account,
// press a button (POST the form), and read where the 302 points without following it.
import { expect } from 'vitest';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
/** The page's text with HTML entities decoded, to look for messages that contain quotes. */
export const unescapeHtml = (text: string) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

export async function openPage(url: string): Promise<{ status: number; html: string; contentType: string; location: string | null }> {
  const response = await fetch(url, { redirect: 'manual' });
  return {
    status: response.status,
    html: await response.text(),
    contentType: response.headers.get('content-type') ?? '',
    location: response.headers.get('location'),
  };
}

/** Submits the page's form as a browser would: POST to its action with the chosen fields. */
export async function submitForm(pageUrl: string, html: string, fields: Record<string, string>): Promise<Response> {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  expect(action, 'the page has a form').toBeDefined();
  return fetch(new URL(unescapeHtml(action!), pageUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** The 302's Location, parsed. */
export function redirectOf(response: Response): URL {
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}
