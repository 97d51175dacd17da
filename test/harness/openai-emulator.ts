// A loopback chat-completions endpoint that answers as the OpenAI API documents it
// (openai/openai-openapi, CreateChatCompletionResponse with ChatCompletionMessageToolCall;
// test/contracts/openai) on both of its addresses:
//   POST /v1/chat/completions                                   Authorization: Bearer <key>, `model` in the body
//   POST /openai/deployments/{d}/chat/completions?api-version=  api-key: <key> (Azure OpenAI, inference 2024-10-21)
// Tests script its answers by the user message: a tool call, plain text, an error status, or
// no answer at all (a hung model). It records what it was sent, so tests can check that only
// the message text leaves the bot, and that nothing does when no model is configured.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type ScriptedAnswer =
  | { toolCall: { name: string; arguments: string | Record<string, unknown> } }
  | { text: string }
  | { status: 400 | 401 | 404 | 429 | 500; code: string; message: string }
  | { hang: true };

export interface ReceivedRequest {
  path: string;
  /** Which credential came: the key itself is compared, never kept. */
  auth: 'bearer' | 'api-key' | 'none';
  body: Record<string, any>;
}

export interface OpenAiEmulatorOptions {
  apiKey: string;
  /** The model name (OpenAI route) or deployment (Azure route) it serves. */
  model: string;
  /** Serve https with this certificate (Azure OpenAI clients only talk https). */
  tls?: { key: string; cert: string };
}

const SUPPORTED_API_VERSIONS = new Set(['2024-06-01', '2024-10-21']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

export class OpenAiEmulator {
  readonly requests: ReceivedRequest[] = [];
  /** Every answer it sent, for the contract check. */
  readonly answers: { status: number; body: unknown }[] = [];
  private readonly scripts = new Map<string, ScriptedAnswer>();
  private readonly server: Server;
  private readonly hung = new Set<ServerResponse>();

  constructor(private readonly options: OpenAiEmulatorOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get origin(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The answer to a user message (as the bot sends it); anything unscripted gets the text "none". */
  script(userMessage: string, answer: ScriptedAnswer): void {
    this.scripts.set(userMessage, answer);
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    if (req.method !== 'POST' || (!azure && url.pathname !== '/v1/chat/completions'))
      return this.error(res, 404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${req.method} ${url.pathname}.`);
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    const apiKey = req.headers['api-key'];
    const auth = azure ? (apiKey ? 'api-key' : bearer ? 'bearer' : 'none') : bearer ? 'bearer' : 'none';
    const given = azure ? (apiKey ?? bearer) : bearer;
    let body: Record<string, any>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, any>;
    } catch {
      return this.error(res, 400, 'invalid_request_error', null, 'We could not parse the JSON body of your request.');
    }
    this.requests.push({ path: url.pathname, auth, body });
    if (given !== this.options.apiKey)
      return this.error(res, 401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.');
    if (azure) {
      if (!SUPPORTED_API_VERSIONS.has(url.searchParams.get('api-version') ?? ''))
        return this.error(res, 404, 'invalid_request_error', '404', 'Resource not found');
      if (azure[1] !== this.options.model)
        return this.error(res, 404, 'invalid_request_error', 'DeploymentNotFound', 'The API deployment for this resource does not exist.');
    } else if (body.model !== this.options.model) {
      return this.error(res, 404, 'invalid_request_error', 'model_not_found', `The model \`${String(body.model)}\` does not exist.`);
    }
    const problem = invalidRequest(body);
    if (problem) return this.error(res, 400, 'invalid_request_error', null, problem);

    const user = [...(body.messages as { role: string; content: unknown }[])].reverse().find((m) => m.role === 'user');
    const answer = this.scripts.get(typeof user?.content === 'string' ? user.content : '') ?? { text: 'none' };
    if ('hang' in answer) return void this.hung.add(res);
    if ('status' in answer)
      return this.error(
        res,
        answer.status,
        answer.status === 429 ? 'rate_limit_error' : 'invalid_request_error',
        answer.code,
        answer.message,
      );
    const toolCalls =
      'toolCall' in answer
        ? [
            {
              id: `call_${randomBytes(12).toString('hex')}`,
              type: 'function',
              function: {
                name: answer.toolCall.name,
                arguments:
                  typeof answer.toolCall.arguments === 'string' ? answer.toolCall.arguments : JSON.stringify(answer.toolCall.arguments),
              },
            },
          ]
        : undefined;
    this.send(res, 200, {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: 1_767_225_600,
      model: this.options.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'text' in answer ? answer.text : null,
            refusal: null,
            ...(toolCalls && { tool_calls: toolCalls }),
          },
          logprobs: null,
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
    });
  }

  private error(res: ServerResponse, status: number, type: string, code: string | null, message: string): void {
    this.send(res, status, { error: { message, type, param: null, code } });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    this.answers.push({ status, body });
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  }
}

/** What the API answers 400 to, among what a client of this bot could send. */
function invalidRequest(body: Record<string, any>): string | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "Invalid 'messages': empty array.";
  for (const message of body.messages as Record<string, unknown>[]) {
    if (!ROLES.has(String(message.role)))
      return `Invalid value: '${String(message.role)}'. Supported values are: ${[...ROLES].join(', ')}.`;
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "Invalid type for 'tools': expected an array.";
    for (const tool of body.tools as Record<string, any>[]) {
      if (tool.type !== 'function') return "Invalid value for 'tools[].type'.";
      if (!TOOL_NAME.test(String(tool.function?.name))) return "Invalid 'tools[].function.name': string does not match pattern.";
    }
  }
  if (body.tool_choice !== undefined && body.tools === undefined)
    return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
