// Small helpers shared by the licensing conversations.
import { expect } from 'vitest';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { DEMO, type BotHarness } from './bot-harness.js';

/** What the request form card submits (Submit request: answered with the review card). */
export const requestFormFields = (offerId: string, fields: Record<string, unknown> = {}) => ({
  productOfferId: offerId,
  quantity: '1',
  forWhom: '',
  justification: 'Needed for my work',
  ...fields,
});

/**
 * What the review card's Confirm sends: the form's values, confirmed. Tests of later steps
 * submit this; test/e2e/request-review.test.ts walks the form → review → confirm steps.
 */
export const requestForm = (offerId: string, fields: Record<string, unknown> = {}) => ({
  ...requestFormFields(offerId, fields),
  confirmed: true,
});

/** The request id a card shows. */
export const requestIdOf = (card: unknown): string => /REQ-[0-9A-F]{8,16}/.exec(JSON.stringify(card))![0];

export const storedRequest = (harness: BotHarness, id: string) => harness.qm.requests.get(DEMO_TENANT_ID, id).then((r) => r?.value);

/** Waits until the request reaches `status` (fulfilment runs from a queue). */
export const waitForStatus = async (harness: BotHarness, id: string, status: string, timeoutMs?: number) => {
  let last: Awaited<ReturnType<typeof storedRequest>>;
  try {
    return await harness.until(
      async () => {
        last = await storedRequest(harness, id);
        return last?.status === status ? last : undefined;
      },
      `${id} to be ${status}`,
      timeoutMs,
    );
  } catch (error) {
    // Say where it stopped: the status, outcome and fulfilment progress make a timeout readable.
    const where = last && { status: last.status, outcome: last.outcome, fulfilment: last.fulfilment, seatReserved: last.seatReserved };
    throw new Error(`${(error as Error).message}; it is ${JSON.stringify(where)}`);
  }
};

/** Every pending stage of the request approved by one of its demo approvers (not the requester), in turn. */
export async function approveEveryStage(harness: BotHarness, id: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const request = await storedRequest(harness, id);
    if (!request || request.status !== 'pending') return;
    const stage = request.stages[request.stageIndex]!;
    const approver = Object.values(DEMO).find(
      (u) =>
        stage.approverIds.some((a) => a.toLowerCase() === u.aadObjectId.toLowerCase()) && u.aadObjectId !== request.requester.aadObjectId,
    )!;
    expect(approver, `an approver of stage ${request.stageIndex}`).toBeDefined();
    await harness.personalChat(approver).click('approveRequest', { requestId: id, stageIndex: request.stageIndex });
  }
}
