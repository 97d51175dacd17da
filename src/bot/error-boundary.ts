// Every exception in a turn ends here: the user gets a friendly card (or an error invoke
// response for a card click) with a short reference, and the log line carries the same one.
import { randomBytes } from 'node:crypto';
import { ActivityTypes, INVOKE_RESPONSE_KEY, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger.js';
import { currentCorrelation } from '../correlation.js';
import { classifyFailure, type Failure } from '../services/failures.js';
import type { CardRenderer, Text } from './cards.js';
import { md } from '../domain/plain-text.js';
import { isCardAction, sendCard, sendInvokeError } from './replies.js';

export const STORAGE_DOWN_MESSAGE = "I can't reach my storage right now, please try again in a minute.";

/** The short reference a user can quote: the start of the turn's correlation id, so it finds the turn's lines. */
export function userReference(): string {
  return currentCorrelation()?.id.slice(0, 8) ?? randomBytes(4).toString('hex');
}

export function createErrorBoundary(cards: CardRenderer, log: Logger) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    const reference = userReference();
    const failure = classifyFailure(error);
    const storageDown = failure.kind === 'storage-unavailable';
    const scope = currentCorrelation();
    if (scope) scope.failed = storageDown ? 'storage-unavailable' : 'error';
    const activity = context.activity;
    log[storageDown ? 'warn' : 'error'](
      {
        err: error,
        reference,
        activityType: activity?.type,
        activityName: activity?.name,
        conversationId: activity?.conversation?.id,
      },
      storageDown ? 'storage unreachable during a turn' : 'turn failed',
    );
    const message = storageDown
      ? STORAGE_DOWN_MESSAGE
      : failure.kind === 'outside-service'
        ? outsideServiceMessage(failure)
        : 'Something went wrong on my side. Please try again; if it keeps happening, give your admin the reference below.';
    try {
      if (activity?.type === ActivityTypes.Invoke) {
        if (isCardAction(context) && !context.turnState.get(INVOKE_RESPONSE_KEY)) {
          await sendInvokeError(
            context,
            500,
            storageDown ? 'StorageUnavailable' : failure.kind === 'outside-service' ? 'ServiceUnavailable' : 'InternalError',
            `${message} (reference ${reference})`,
          );
        }
        return;
      }
      await sendCard(
        context,
        cards.render('error', { title: storageDown ? 'Please try again in a minute' : 'Sorry, that did not work', message, reference }),
      );
    } catch (sendError) {
      log.error({ err: sendError, reference }, 'could not tell the user about a failed turn');
    }
  };
}

/** A failure of an outside service, in words an employee can act on. */
function outsideServiceMessage(failure: Extract<Failure, { kind: 'outside-service' }>): Text {
  const { service } = failure;
  // Our own words (e.g. which partner must connect): shown as written, never as markdown.
  if (failure.advice) return failure.advice;
  if (failure.unauthorized)
    return md`Quartermaster is not allowed to use ${service} for your organisation right now. An admin can see why and fix it with **connect**.`;
  if (failure.transient) return `I can't reach ${service} right now. Please try again in a few minutes.`;
  // The service's own words: shown as it wrote them, never as markdown.
  return `${service} refused that: ${failure.message}`;
}
