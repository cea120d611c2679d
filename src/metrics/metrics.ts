import client from 'prom-client';

/** Every metric name starts with this prefix. */
export const METRIC_PREFIX = 'mycel_';

/**
 * The process's metrics, on a registry of its own (never the global one, so tests
 * and several instances in one process do not collide). Capabilities add theirs here
 * so `/metrics` documents itself in one place.
 */
export class Metrics {
  readonly registry = new client.Registry();

  readonly httpRequests = new client.Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests served, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new client.Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly ready = new client.Gauge({
    name: `${METRIC_PREFIX}ready`,
    help: '1 when the last readiness check passed, 0 otherwise',
    registers: [this.registry],
  });

  readonly activityFailures = new client.Counter({
    name: `${METRIC_PREFIX}activity_failures_total`,
    help: 'Activity attempts that threw, by activity type',
    labelNames: ['activity'] as const,
    registers: [this.registry],
  });

  readonly activityRetries = new client.Counter({
    name: `${METRIC_PREFIX}activity_retries_total`,
    help: 'Activity attempts after the first, by activity type',
    labelNames: ['activity'] as const,
    registers: [this.registry],
  });

  readonly activityDuration = new client.Histogram({
    name: `${METRIC_PREFIX}activity_duration_seconds`,
    help: 'Duration of each activity attempt, by activity type and outcome (ok|error)',
    labelNames: ['activity', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  /** Sampled from Temporal on each scrape (see `sampleQueueBacklog`); absent until a sampler is set. */
  readonly queueBacklog = new client.Gauge({
    name: `${METRIC_PREFIX}task_queue_backlog`,
    help: 'Approximate number of tasks waiting in the task queue, by queue and type (workflow|activity)',
    labelNames: ['task_queue', 'type'] as const,
    registers: [this.registry],
    collect: async () => {
      await this.backlogSampler?.();
    },
  });

  readonly queueBacklogAge = new client.Gauge({
    name: `${METRIC_PREFIX}task_queue_backlog_age_seconds`,
    help: 'Age of the oldest task waiting in the task queue, by queue and type',
    labelNames: ['task_queue', 'type'] as const,
    registers: [this.registry],
  });

  /** Model usage: tokens by model, origin (turn|memory) and direction (input|output), as the provider counted them. */
  readonly modelTokens = new client.Counter({
    name: `${METRIC_PREFIX}model_tokens_total`,
    help: 'Tokens used by model calls, by model, origin (turn|memory) and direction (input|output)',
    labelNames: ['model', 'origin', 'direction'] as const,
    registers: [this.registry],
  });

  readonly modelCalls = new client.Counter({
    name: `${METRIC_PREFIX}model_calls_total`,
    help: 'Model calls that returned usage, by model and origin (turn|memory)',
    labelNames: ['model', 'origin'] as const,
    registers: [this.registry],
  });

  /** Background model work skipped because MYCEL_MODEL_DAILY_TOKEN_LIMIT was reached, by origin. */
  readonly modelWorkSkipped = new client.Counter({
    name: `${METRIC_PREFIX}model_work_skipped_total`,
    help: 'Background model calls skipped because the daily token limit was reached, by origin',
    labelNames: ['origin'] as const,
    registers: [this.registry],
  });

  /** Conversation: every finished turn, by channel and outcome (ok|error). */
  readonly turns = new client.Counter({
    name: `${METRIC_PREFIX}turns_total`,
    help: 'Conversation turns finished, by channel and outcome (ok|error)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Conversation: time from ingress to the reply of a turn. */
  readonly turnLatency = new client.Histogram({
    name: `${METRIC_PREFIX}turn_duration_seconds`,
    help: 'Time from receiving a message to its reply, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  /** Conversation: inbound updates dropped by the dedupe record. */
  readonly duplicatesDropped = new client.Counter({
    name: `${METRIC_PREFIX}duplicates_dropped_total`,
    help: 'Inbound updates dropped as duplicates at ingress, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  /** Conversation: messages that arrived with a sequence other than the expected one. */
  readonly outOfOrderArrivals = new client.Counter({
    name: `${METRIC_PREFIX}out_of_order_arrivals_total`,
    help: 'Inbound messages that arrived out of sequence for their chat, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  /** Promises: how late a delivery was against its due time (seconds, >= 0). */
  readonly promiseDeliveryDelay = new client.Histogram({
    name: `${METRIC_PREFIX}promise_delivery_delay_seconds`,
    help: 'Delay between a promise\'s due time and its delivery, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  /** Memory: time of one recall (the full-text search that feeds a turn), by dialect. */
  readonly memoryRecallDuration = new client.Histogram({
    name: `${METRIC_PREFIX}memory_recall_duration_seconds`,
    help: 'Duration of one memory recall (full-text search for a turn), by dialect (sqlite|postgres)',
    labelNames: ['dialect'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  private backlogSampler: (() => Promise<void>) | undefined;

  /** Sets how the backlog gauges are filled on each scrape (the process that serves /metrics does). */
  sampleQueueBacklog(sampler: () => Promise<void>): void {
    this.backlogSampler = sampler;
  }

  /** Telegram: updates handled, by update type and outcome (turn|answered|ignored|refused|skipped). */
  readonly telegramUpdates = new client.Counter({
    name: `${METRIC_PREFIX}telegram_updates_total`,
    help: 'Telegram updates handled, by update type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Telegram: Bot API calls, by method and answer (ok, an error code, or network). */
  readonly telegramApiCalls = new client.Counter({
    name: `${METRIC_PREFIX}telegram_api_calls_total`,
    help: 'Telegram Bot API calls, by method and result (ok, error code, network)',
    labelNames: ['method', 'result'] as const,
    registers: [this.registry],
  });

  /** Telegram: message parts sent, skipped as already sent, or refused for good. */
  readonly telegramMessages = new client.Counter({
    name: `${METRIC_PREFIX}telegram_messages_total`,
    help: 'Telegram message parts by result (sent, already_sent, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** Telegram: inbox rows not yet handled. */
  readonly telegramInboxPending = new client.Gauge({
    name: `${METRIC_PREFIX}telegram_inbox_pending`,
    help: 'Telegram updates committed to the inbox and not yet handled',
    registers: [this.registry],
  });

  /** Channels on the shared adapter (WhatsApp, …): inbound events handled, by channel, event type and outcome. */
  readonly channelEvents = new client.Counter({
    name: `${METRIC_PREFIX}channel_events_total`,
    help: 'Inbound events of channels on the shared adapter, by channel, type and outcome',
    labelNames: ['channel', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Channels on the shared adapter: message parts sent, skipped as already sent, or refused for good. */
  readonly channelMessages = new client.Counter({
    name: `${METRIC_PREFIX}channel_messages_total`,
    help: 'Message parts of channels on the shared adapter, by channel and result (sent, already_sent, failed)',
    labelNames: ['channel', 'result'] as const,
    registers: [this.registry],
  });

  /** Channels on the shared adapter: inbox rows not yet handled. */
  readonly channelInboxPending = new client.Gauge({
    name: `${METRIC_PREFIX}channel_inbox_pending`,
    help: 'Inbound events committed to a channel inbox and not yet handled, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  readonly pipelineRuns = new client.Counter({
    name: `${METRIC_PREFIX}pipeline_runs_total`,
    help: 'Pipeline runs finished, by status (succeeded|failed)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly pipelineTasks = new client.Counter({
    name: `${METRIC_PREFIX}pipeline_task_attempts_total`,
    help: 'Pipeline task attempts, by outcome (succeeded|failed)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({});
    if (options.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
