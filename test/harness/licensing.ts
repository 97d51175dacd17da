// Small helpers shared by the licensing conversations.
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import type { BotHarness } from './bot-harness.js';

/** What the request form card submits. */
export const requestForm = (offerId: string, fields: Record<string, unknown> = {}) => ({ productOfferId: offerId, quantity: '1', forWhom: '', justification: 'Needed for my work', ...fields });

/** The request id a card shows. */
export const requestIdOf = (card: unknown): string => /REQ-[0-9A-F]{8}/.exec(JSON.stringify(card))![0];

export const storedRequest = (harness: BotHarness, id: string) => harness.qm.requests.get(DEMO_TENANT_ID, id).then((r) => r?.value);

/** Waits until the request reaches `status` (fulfilment runs from a queue). */
export const waitForStatus = (harness: BotHarness, id: string, status: string, timeoutMs?: number) =>
  harness.until(async () => {
    const request = await storedRequest(harness, id);
    return request?.status === status ? request : undefined;
  }, `${id} to be ${status}`, timeoutMs);
