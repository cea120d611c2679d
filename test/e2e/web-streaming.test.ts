import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.js';
import { chromiumMissing, launchChromium } from '../support/browser.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';

const noChromium = chromiumMissing();
if (noChromium) console.warn(`[mycel web tests] ${noChromium}`);

/** Long enough to wait for what a page shows over a live stream. */
const LIVE_TIMEOUT_MS = 30_000;

/**
 * The web chat shows a model's reply while it is written: the reply parts arrive on the
 * chat's event stream keyed by the message they answer (the key the shared API client reads),
 * and the page shows them under the message until the whole reply lands in the transcript.
 */
describe.skipIf(Boolean(noChromium))('the web chat while a reply is written', () => {
  let standIn: StandIn;
  let mycel: TestMycel;
  let browser: Browser;

  beforeAll(async () => {
    await buildWebApp();
    // Slow enough that the reply is being written for several seconds.
    standIn = await startOpenAIStandIn({ chunkChars: 3, chunkDelayMs: 250 });
    mycel = await startTestMycel({ env: { MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: standIn.baseUrl } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await mycel?.stop();
    await standIn?.close();
  });

  it('shows the parts of the reply under the message, then the whole reply', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error(`[browser] ${err.message}`));
    await page.goto(`${mycel.url}/chat/streaming-web`);
    await page.waitForSelector('html[data-ready="true"]');
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe('Live');

    await page.getByLabel('Message').fill('tell me a story in many small parts');
    await page.getByRole('button', { name: 'Send' }).click();

    const draft = page.locator('[data-draft-for] .msg-text');
    await expect.poll(() => draft.count(), { timeout: LIVE_TIMEOUT_MS }).toBe(1);
    const partial = (await draft.textContent()) ?? '';
    expect('You said: tell me a story in many small parts').toContain(partial);

    const log = page.getByRole('log');
    await expect.poll(() => log.textContent(), { timeout: LIVE_TIMEOUT_MS }).toContain('You said: tell me a story in many small parts');
    await expect.poll(() => draft.count(), { timeout: LIVE_TIMEOUT_MS }).toBe(0);
    await page.close();
  });
});
