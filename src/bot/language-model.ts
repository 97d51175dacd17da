// The optional language model: when one is configured, a message the offline model is unsure
// about goes through teams-ai's AI system (ActionPlanner + OpenAIModel + the prompt in
// language/prompts/understand) before the fallback card. Its actions are the bot's intents, and
// an action only records the model's choice: the choice is checked (src/language/model-choice.ts)
// and answered by that intent's own handler, with the same cards and role checks as when the
// offline model is sure. Nothing the model writes is ever shown; no choice, a refused one, an
// error or a timeout all end in the offline fallback card. Only the message text is sent.
import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import { ActionPlanner, AI, OpenAIModel, PromptManager, type OpenAIModelOptions, type AzureOpenAIModelOptions } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import type { LanguageModelConfig } from '../config.js';
import type { IntentName } from '../language/intents.js';
import { checkModelChoice, MODEL_INTENTS, type ModelEntities } from '../language/model-choice.js';
import type { Logger } from '../logger.js';
import { QuartermasterTurnState } from './turn-state.js';

/** The prompt folder's name under language/prompts. */
export const PROMPT = 'understand';
const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** Past the call's own timeout, how long the rest (sign-in, prompt) may take before the fallback answers. */
const DEADLINE_SLACK_MS = 1000;

export type ModelOutcome =
  | { kind: 'chosen'; intent: IntentName; entities: ModelEntities }
  | { kind: 'refused'; action: string; reason: string }
  | { kind: 'no-choice' }
  | { kind: 'failed'; error: unknown };

export interface LanguageModelOptions {
  config: LanguageModelConfig;
  /** language/prompts */
  promptsDir: string;
  log: Logger;
  /** Tests: an agent that trusts the loopback emulator's certificate. */
  httpAgent?: Agent;
}

export interface LanguageModel {
  /** What the model made of `text` (the message as typed, cut to the offline model's limit). */
  read(context: TurnContext, text: string): Promise<ModelOutcome>;
}

export function createLanguageModel(options: LanguageModelOptions): LanguageModel {
  const { config, log } = options;
  const clientOptions = {
    timeout: config.timeoutMs,
    // A retry would double the wait inside the turn; the fallback card is the retry.
    maxRetries: 0,
    ...(options.httpAgent && { httpAgent: options.httpAgent }),
  };
  const modelOptions: OpenAIModelOptions | AzureOpenAIModelOptions =
    config.api === 'azure-openai'
      ? {
          azureEndpoint: config.endpoint,
          azureDefaultDeployment: config.deployment,
          azureApiVersion: config.apiVersion,
          ...(config.apiKey
            ? { azureApiKey: config.apiKey }
            : {
                azureADTokenProvider: getBearerTokenProvider(
                  new DefaultAzureCredential(
                    config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {},
                  ),
                  AZURE_OPENAI_SCOPE,
                ),
              }),
          useSystemMessages: true,
          clientOptions,
        }
      : { endpoint: config.endpoint, defaultModel: config.model, apiKey: config.apiKey, useSystemMessages: true, clientOptions };
  const model = new OpenAIModel(modelOptions);
  const ai = new AI<QuartermasterTurnState>({
    planner: new ActionPlanner<QuartermasterTurnState>({
      model,
      prompts: new PromptManager({ promptsFolder: options.promptsDir }),
      defaultPrompt: PROMPT,
    }),
    // One call, one action: what an action returns is never sent back to the model.
    allow_looping: false,
  });

  // Each turn's outcome, written by the actions below (the first one counts).
  const outcomes = new WeakMap<TurnContext, ModelOutcome>();
  const record = (context: TurnContext, outcome: ModelOutcome) => {
    if (!outcomes.has(context)) outcomes.set(context, outcome);
    return AI.StopCommandName;
  };
  // teams-ai reads arguments that are not JSON as no arguments at all; the API documents that
  // models sometimes write such arguments, and a call with them is refused, not half-understood.
  model.events.on('responseReceived', (context, _memory, response) => {
    for (const call of response.message?.action_calls ?? []) {
      if (isJsonObject(call.function.arguments)) continue;
      record(context, { kind: 'refused', action: call.function.name.slice(0, 64), reason: 'arguments are not a JSON object' });
      // Already refused; emptied so that teams-ai does not print the model's words to the console.
      call.function.arguments = '{}';
    }
  });
  for (const intent of MODEL_INTENTS) {
    ai.action(intent, async (context, _state, parameters: unknown) => {
      const choice = checkModelChoice(intent, parameters);
      return record(
        context,
        choice.ok
          ? { kind: 'chosen', intent: choice.intent, entities: choice.entities }
          : { kind: 'refused', action: intent, reason: choice.reason },
      );
    });
  }
  // Anything else the model calls (an approval, a purchase, a name it made up) is refused.
  ai.action(AI.UnknownActionName, async (context, _state, _plan, action?: string) =>
    record(context, { kind: 'refused', action: String(action).slice(0, 64), reason: 'action outside the allowed intents' }),
  );
  // Text the model writes is never sent: it could repeat the message under the bot's name.
  ai.action(AI.SayCommandActionName, async (context) => record(context, { kind: 'no-choice' }));
  ai.action(AI.HttpErrorActionName, async (context, _state, error: unknown) => record(context, { kind: 'failed', error }));
  ai.action(AI.TooManyStepsActionName, async (context) => record(context, { kind: 'no-choice' }));

  return {
    async read(context, text) {
      const started = performance.now();
      // A turn state of the model's own (teams-ai's AI system keeps its input and plan there); nothing is stored.
      const state = new QuartermasterTurnState();
      await state.load(context);
      state.temp.input = text;
      state.temp.inputFiles = [];
      state.temp.actionOutputs = {};
      // The client's own timeout bounds the call; this bounds the rest (signing in with the
      // managed identity, a slow prompt render) so the turn always answers.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          record(context, { kind: 'failed', error: new Error(`no answer within ${config.timeoutMs + DEADLINE_SLACK_MS} ms`) });
          resolve();
        }, config.timeoutMs + DEADLINE_SLACK_MS);
      });
      try {
        await Promise.race([ai.run(context, state), deadline]);
      } catch (error) {
        record(context, { kind: 'failed', error });
      } finally {
        clearTimeout(timer);
      }
      const outcome = outcomes.get(context) ?? { kind: 'no-choice' };
      const ms = Math.round(performance.now() - started);
      // The message itself is never logged: it is the person's words.
      if (outcome.kind === 'chosen') log.info({ intent: outcome.intent, ms }, 'language model chose an intent');
      else if (outcome.kind === 'refused')
        log.warn({ action: outcome.action, reason: outcome.reason, ms }, 'language model choice refused; fallback card');
      else if (outcome.kind === 'failed') log.warn({ err: outcome.error, ms }, 'language model failed; fallback card');
      else log.info({ ms }, 'language model chose nothing; fallback card');
      return outcome;
    },
  };
}

function isJsonObject(text: string): boolean {
  if (text.trim() === '') return true; // no arguments
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
