import type { Client } from '@temporalio/client';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../storage/database.js';
import type { ReplyStreams } from '../conversation/reply-stream.js';
import type { Ingress } from '../conversation/ingress.js';

/** A named readiness check: resolves with detail when healthy, throws when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<string | undefined>;
}

/** What the HTTP server's routes are given. */
export interface HttpDeps {
  config: MycelConfig;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  temporal: Client;
  /** The process's way in for turns (in-flight repeats and per-chat order shared with its channels). */
  ingress: Ingress;
  /** Reply parts published by a worker in this process (absent or silent: replies arrive whole). */
  replies?: ReplyStreams;
  readiness: ReadinessCheck[];
  /** Facts about this process for the health page (embedded Temporal UI, version…). */
  info: Record<string, unknown>;
}
