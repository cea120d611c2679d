/**
 * Web app bench: how long Chromium takes from navigation to an interactive chat page
 * (cold cache and warm cache), and how many bytes the browser downloads for it, raw and
 * as sent (gzip). Needs Debian's Chromium; reports "skipped" with the reason otherwise.
 *
 * Standalone: `node bin/run-ts.js bench/sections/web.ts [--runs N]` starts an embedded
 * Mycel in a temporary data dir and prints the result as JSON.
 */
import { httpUrlOf } from '../instance.js';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../test/support/browser.js';
import { distribution, type Distribution } from '../stats.js';

/** Page loads measured per mode unless told otherwise. */
export const WEB_BENCH_RUNS = 15;

export interface WebBenchResult {
  status: 'ok' | 'skipped';
  reason?: string;
  page?: string;
  /** Navigation start → app drawn and the message box usable, fresh browser profile each run. */
  coldInteractive?: Distribution;
  /** Same, reloading in a warm browser (assets from cache, index.html revalidated). */
  warmInteractive?: Distribution;
  /** What a cold load downloads: the app (HTML, JS, CSS) and the API calls the page makes. */
  bytes?: { app: { raw: number; transferred: number; files: number }; api: { raw: number; transferred: number; requests: number } };
}

/** Loads the page and returns ms from navigation start to the app's interactive mark. */
async function timeToInteractive(page: Page, url: string, reload = false): Promise<number> {
  if (reload) await page.reload();
  else await page.goto(url);
  await page.getByRole('textbox', { name: /Message/ }).waitFor();
  return page.evaluate(() => performance.getEntriesByName('mycel-interactive').at(-1)?.startTime ?? performance.now());
}

/** Measures the web app served at `baseUrl` (a running Mycel). */
export async function measureWebApp(baseUrl: string, runs = WEB_BENCH_RUNS): Promise<WebBenchResult> {
  const missing = chromiumMissing();
  if (missing) return { status: 'skipped', reason: missing };
  const page = '/chat/bench-web';
  const url = `${baseUrl}${page}`;
  const browser: Browser = await launchChromium();
  try {
    const cold: number[] = [];
    let bytes: WebBenchResult['bytes'];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const p = await context.newPage();
      const responses: Array<Promise<{ api: boolean; raw: number; transferred: number }>> = [];
      if (i === 0) {
        p.on('requestfinished', (request) => {
          responses.push(
            (async () => {
              const response = await request.response();
              const sizes = await request.sizes();
              const body = response ? await response.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
              const api = new URL(request.url()).pathname.startsWith('/api/') || request.resourceType() === 'fetch';
              return { api, raw: body.byteLength, transferred: sizes.responseBodySize + sizes.responseHeadersSize };
            })(),
          );
        });
      }
      cold.push(await timeToInteractive(p, url));
      if (i === 0) {
        await p.waitForTimeout(500);
        const all = await Promise.all(responses);
        const app = all.filter((r) => !r.api);
        const api = all.filter((r) => r.api);
        const total = (list: typeof all) => ({ raw: list.reduce((n, r) => n + r.raw, 0), transferred: list.reduce((n, r) => n + r.transferred, 0) });
        bytes = { app: { ...total(app), files: app.length }, api: { ...total(api), requests: api.length } };
      }
      await context.close();
    }
    const warm: number[] = [];
    const context = await browser.newContext();
    const p = await context.newPage();
    await timeToInteractive(p, url);
    for (let i = 0; i < runs; i++) warm.push(await timeToInteractive(p, url, true));
    await context.close();
    return { status: 'ok', page, coldInteractive: distribution(cold), warmInteractive: distribution(warm), bytes };
  } finally {
    await browser.close();
  }
}

/** Bench section entry: the framework passes the running instance's HTTP URL. */
export default {
  name: 'web',
  description: 'web app: page load to interactive in Chromium (median, p95) and bytes downloaded',
  run: async (ctx: { httpUrl?: string; quick?: boolean }): Promise<WebBenchResult> =>
    ctx.httpUrl ? measureWebApp(ctx.httpUrl, ctx.quick ? 5 : WEB_BENCH_RUNS) : { status: 'skipped', reason: "needs the running instance's HTTP URL" },
};

async function standalone(): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadConfig } = await import('../../src/config/config.js');
  const { createLogger } = await import('../../src/logging/logger.js');
  const { startProcess, START_PARTS } = await import('../../src/runtime/processes.js');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : WEB_BENCH_RUNS;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-web-'));
  const proc = await startProcess(loadConfig({ MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: process.env.MYCEL_TEMPORAL_BIN }), createLogger({ level: 'warn', pretty: false }), START_PARTS);
  try {
    console.log(JSON.stringify(await measureWebApp(httpUrlOf(proc), runs), null, 2));
  } finally {
    await proc.lifecycle.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await standalone();
