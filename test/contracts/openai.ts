// The OpenAI chat-completions contract (test/contracts/openai, from openai/openai-openapi) as
// validators: what the loopback model emulator answers is checked against it.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ContractCheck } from './schemas.js';

const doc = JSON.parse(readFileSync(new URL('./openai/chat-completions.subset.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openai', definitions: doc.definitions }, 'openai');
const response = ajv.getSchema('openai#/definitions/CreateChatCompletionResponse')!;
const error = ajv.getSchema('openai#/definitions/ErrorResponse')!;
const tool = ajv.getSchema('openai#/definitions/ChatCompletionTool')!;

/** A 200 is a chat completion; anything else the error object. */
export function openAiContract(status: number, body: unknown): ContractCheck {
  const validate = status === 200 ? response : error;
  const ok = validate(body) as boolean;
  return { ok, errors: ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`) };
}

/** A tool as a request sends it (the prompt's actions, as teams-ai turns them into tools). */
export function openAiToolContract(value: unknown): ContractCheck {
  const ok = tool(value) as boolean;
  return { ok, errors: ok ? [] : (tool.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`) };
}
