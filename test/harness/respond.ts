import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Answers a test server's request without chaining on writeHead: restify, once any test in the
 * same worker has loaded the bot, patches ServerResponse.writeHead to return nothing.
 */
export function respond(res: ServerResponse, status: number, headers: OutgoingHttpHeaders | [string, string][] = {}, body?: string): void {
  res.writeHead(status, headers as OutgoingHttpHeaders);
  res.end(body);
}
