import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/build.js';
import { chromiumMissing, launchChromium, screenshot } from '../support/browser.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { WhatsAppStandIn } from '../support/whatsapp-server.js';

/**
 * The web app's chat list shows chats of every channel: a WhatsApp chat, written on the
 * stand-in Graph API's side, is listed on the home page and opens as a read-only transcript.
 */
const noChromium = chromiumMissing();
if (noChromium) console.warn(`[mycel web tests] ${noChromium}`);

const OWNER = String(4_940_000_000_000 + Math.floor(Math.random() * 1_000_000) * 10);

describe.skipIf(Boolean(noChromium))('the web app lists chats of every channel, in Chromium', () => {
  let wa: WhatsAppStandIn;
  let mycel: TestMycel;
  let browser: Browser;

  beforeAll(async () => {
    await buildWebApp();
    wa = await WhatsAppStandIn.start();
    mycel = await startTestMycel({ env: wa.env([OWNER]) });
    wa.webhookUrl = `${mycel.url}/webhooks/whatsapp`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await mycel?.stop();
    await wa?.stop();
  });

  it('shows a WhatsApp chat under "On other channels" and opens its transcript read-only', async () => {
    await wa.send(OWNER, '/remember the spare key is under the pot');
    await wa.waitForMessages(OWNER, 1);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[browser] ${err.message}`));
    await page.goto(mycel.url);
    await page.waitForSelector('html[data-ready="true"]');
    await page.getByRole('heading', { name: 'On other channels' }).waitFor();
    const link = page.getByRole('link', { name: new RegExp(`WhatsApp\\s+${OWNER}`) });
    await link.click();
    await page.waitForURL(new RegExp(`/channels/whatsapp/${OWNER}$`));
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('/remember the spare key is under the pot').waitFor();
    expect(await log.getByText(/spare key is under the pot/).count()).toBeGreaterThanOrEqual(2);
    // Read-only: the message box of web chats is not offered here.
    expect(await page.getByRole('textbox', { name: /Message/ }).count()).toBe(0);
    await screenshot(page, 'home-whatsapp-chat');
    await context.close();
  });
});
