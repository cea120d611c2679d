import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type MycelConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Client } from '@temporalio/client';
import type { WorkerDeps } from '../../src/activities/worker-deps.js';
import type { ActivityDeps } from '../../src/deps/activity-deps.js';
import { startProcess, type MycelProcess, type ProcessParts, type RunningWorker } from '../../src/runtime/processes.js';
import { activityDepsOf } from '../../src/runtime/services.js';
import { pipelineRuntimeFromConfig } from '../../src/pipelines/runtime.js';
import { createToolRuntime, type ToolRuntime } from '../../src/tools/runtime.js';
import type { Store } from '../../src/storage/database.js';
import type { TelegramGateway } from '../../src/telegram/component.js';
import type { WhatsAppGateway } from '../../src/whatsapp/component.js';
import type { DiscordIngress } from '../../src/discord/component.js';
import type { SlackGateway } from '../../src/slack/component.js';
import { freshStore, testDialects, type TestDialect } from './databases.js';

export interface TestMycel {
  proc: MycelProcess;
  config: MycelConfig;
  /** The process's database. */
  store: Store;
  /** The process's Temporal client. */
  client: Client;
  /** What the process's activities and tools use (a test builds its own tools from it). */
  activityDeps: ActivityDeps;
  /** The worker part; throws when the process runs none. */
  worker(): RunningWorker;
  /** What the worker's activities were built with: its tools (MCP servers included), pipelines, brain. */
  workerDeps(): WorkerDeps;
  /** The Telegram ingress; throws when the process runs none. */
  telegram(): TelegramGateway;
  /** The WhatsApp ingress; throws when the process runs none. */
  whatsapp(): WhatsAppGateway;
  /** The Discord ingress; throws when the process runs none. */
  discord(): DiscordIngress;
  /** The Slack ingress; throws when the process runs none. */
  slack(): SlackGateway;
  /** Base URL of the HTTP server (when the gateway part runs). */
  url: string;
  /** fetch against the HTTP server, JSON in and out. */
  api(pathname: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface TestMycelOptions {
  parts?: ProcessParts;
  /** Extra environment variables (MYCEL_*), validated by the product's schema. */
  env?: Record<string, string>;
  dialect?: TestDialect;
  /** Reuse a data dir / database / task queue (restart tests). */
  dataDir?: string;
  databaseUrl?: string;
  taskQueue?: string;
}

/**
 * A Mycel process (worker + HTTP by default) in this test process, against the run's shared
 * Temporal dev server, with its own task queue, data dir and database, built by the same
 * code as `mycel start`.
 */
export async function startTestMycel(options: TestMycelOptions = {}): Promise<TestMycel> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'mycel-it-'));
  let disposeDb: (() => Promise<void>) | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl && options.dialect && options.dialect.name !== 'sqlite') {
    const db = await options.dialect.create();
    databaseUrl = db.url;
    disposeDb = db.dispose;
  }
  const config = loadConfig({
    MYCEL_DATA_DIR: dataDir,
    MYCEL_HTTP_PORT: '0',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MYCEL_TASK_QUEUE: options.taskQueue ?? `test-${randomBytes(5).toString('hex')}`,
    ...(databaseUrl ? { MYCEL_DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const logger = createLogger({ level: process.env.MYCEL_TEST_LOG_LEVEL ?? 'warn', pretty: false });
  const proc = await startProcess(config, logger, options.parts ?? { embedded: false, worker: true, gateway: true });
  const url = proc.http?.url ?? '';
  const running = <T>(part: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`this test process runs no ${part}`);
    return value;
  };
  return {
    proc,
    config,
    store: proc.store,
    client: proc.client,
    activityDeps: activityDepsOf(proc),
    worker: () => running('worker', proc.worker),
    workerDeps: () => running('worker', proc.worker).deps,
    telegram: () => running('Telegram ingress', proc.telegram),
    whatsapp: () => running('WhatsApp ingress', proc.whatsapp),
    discord: () => running('Discord ingress', proc.discord),
    slack: () => running('Slack ingress', proc.slack),
    url,
    async api(pathname, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers['content-type'] ??= 'application/json';
      if (config.http.apiToken) headers.authorization ??= `Bearer ${config.http.apiToken}`;
      const res = await fetch(`${url}${pathname}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (metrics): keep the text.
      }
      return { status: res.status, body };
    },
    async stop() {
      await proc.lifecycle.stop();
      await disposeDb?.();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A tool runtime of the test's own (registry, policy read from the policy file now, gate),
 * built from the process's services the way the worker builds its own; it shares nothing
 * in memory with the worker's. Memoize it per test file when the tests share it.
 */
export function ownToolRuntime(deps: ActivityDeps): ToolRuntime {
  return createToolRuntime(deps, pipelineRuntimeFromConfig(deps));
}

export { freshStore, testDialects };
