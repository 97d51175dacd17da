// Graceful shutdown: a turn in flight finishes and its reply is delivered; requests that
// arrive after shutdown began are refused, not half-processed.
import { describe, expect, it } from 'vitest';
import { ALEX, BotHarness, cardText } from '../harness/bot-harness.js';

describe('graceful shutdown', () => {
  it('finishes the turn in flight, then stops accepting', async () => {
    const harness = await BotHarness.start();
    const chat = harness.personalChat(ALEX);
    await chat.say('help'); // warm up: tables exist, conversation saved
    harness.connector.delayMs = 1500;

    const arrivedBefore = harness.connector.arrived;
    const inFlight = chat.say('help');
    await harness.until(async () => harness.connector.arrived > arrivedBefore, 'the turn to be waiting on the connector');
    const stopping = harness.qm.stop();

    const reply = await inFlight;
    expect(cardText(reply[0])).toContain('What I can do for you');
    await stopping;
    await expect(fetch(`${harness.qm.url}/healthz`)).rejects.toThrow();
    await harness.connector.stop();
  });
});
