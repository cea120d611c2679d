import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import { DEFAULT_PROMISE_HORIZON_DAYS, DEFAULT_SCHEDULED_TOKENS_PER_DAY, DEFAULT_SCHEDULED_TOKENS_PER_RUN, MAX_PROMISE_HORIZON_DAYS, MAX_TOKEN_BUDGET } from '../promises/limits.js';
import { DEFAULT_MIN_CONFIDENCE, DEFAULT_QUESTION_TIMEOUT_SECONDS } from '../memory/types.js';
import { redactText } from '../shared/redact.js';

/**
 * Every environment variable Mycel reads, validated once at start by one schema.
 * A bad value stops start-up with a message that names the variable and the accepted forms.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const MODEL_FORM = /^(offline|(openai|anthropic|ollama|openai-compatible):.+)$/;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** Variables whose values are never quoted back, even when malformed. */
const SECRET_VARIABLE = /TOKEN|SECRET|KEY|PASSWORD/;

/** What `--help` and the README show as a variable's default, when it is not a plain value. */
type VariableMeta = {
  description: string;
  /** Shown as the default when the schema's own default is absent or not what a person reads. */
  shownDefault?: string;
};

/**
 * One environment variable: blank counts as unset, surrounding spaces are dropped, and the
 * schema carries its default and its description (the README table and `--help` read them).
 */
function variable<T extends z.ZodType>(schema: T, meta: VariableMeta) {
  return z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v), schema).meta(meta);
}

/** A whole number above zero, with the unit and an example in the message. */
function wholeNumber(unit: string, example: number) {
  const error = `must be a positive whole number of ${unit}, for example ${example}`;
  return z.coerce.number({ error }).int({ error }).positive({ error });
}

function port(error: string) {
  return z.coerce.number({ error }).int({ error }).min(0, { error }).max(65535, { error });
}

const httpUrl = (example: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL, for example ${example}` });
const oneOf = <const V extends readonly [string, ...string[]]>(values: V) => z.enum(values, { error: `accepted values: ${values.join(', ')}` });
const flag = () => z.stringbool({ error: 'accepted values: true, 1, yes, on, false, 0, no, off' }).default(false);
const matching = (pattern: RegExp, error: string) => z.string().regex(pattern, { error });
/** A number of tokens (input + output), from 1 to MAX_TOKEN_BUDGET. */
function tokenBudget(example: number) {
  const error = `must be a whole number of tokens (input + output) from 1 to ${MAX_TOKEN_BUDGET}, for example ${example}`;
  return z.coerce.number({ error }).int({ error }).min(1, { error }).max(MAX_TOKEN_BUDGET, { error });
}
/** The characters a bearer token may have (RFC 6750 b64token); the HTTP server accepts no other. */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Default caps of stored media: Telegram bots may download files up to 20 MB. */
export const DEFAULT_MEDIA_MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MEDIA_MAX_AUDIO_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MEDIA_RETENTION_DAYS = 30;
/** The transcription model used when MYCEL_TRANSCRIPTION_MODEL is not set and MYCEL_MODEL is an OpenAI(-compatible) one. */
export const DEFAULT_TRANSCRIPTION_MODEL = 'openai:whisper-1';

export const envSchema = z.object({
  MYCEL_DATA_DIR: variable(z.string().optional(), { description: 'where the database, embedded Temporal state, policy and pipelines live', shownDefault: './.mycel' }),
  MYCEL_HTTP_HOST: variable(z.string().default('127.0.0.1'), { description: 'HTTP bind address (a non-loopback host requires MYCEL_API_TOKEN)' }),
  MYCEL_HTTP_PORT: variable(port('must be a port number from 0 to 65535 (0 picks a free port)').default(8787), { description: 'HTTP port of the web app and API' }),
  MYCEL_API_TOKEN: variable(
    matching(BEARER_TOKEN, 'must be a bearer token (RFC 6750): letters, digits and . _ ~ + / - with optional = at the end, for example the output of `openssl rand -base64 32`').optional(),
    { description: 'bearer token for the API and web app (letters, digits and . _ ~ + / -, optional = at the end, as RFC 6750 allows)' },
  ),
  MYCEL_PUBLIC_URL: variable(
    z.string().refine(isOrigin, 'must be the http(s) origin clients use to reach Mycel, for example https://mycel.example.com (no path)').optional(),
    { description: 'origin clients use behind a reverse proxy, for example https://mycel.example.com: its host is accepted in `Host`, its origin in `Origin`' },
  ),
  MYCEL_DATABASE_URL: variable(
    matching(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'accepted forms: sqlite:<path> (for example sqlite:./.mycel/mycel.db), postgres://user:pass@host:5432/db or postgresql://…').optional(),
    { description: 'sqlite:<path> or postgres://…', shownDefault: 'sqlite:<data dir>/mycel.db' },
  ),
  TEMPORAL_ADDRESS: variable(matching(/^[^\s:/]+:\d+$/, 'accepted form: host:port, for example 127.0.0.1:7233').optional(), {
    description: 'host:port of an external Temporal frontend',
    shownDefault: '(embedded dev server)',
  }),
  TEMPORAL_NAMESPACE: variable(z.string().default('default'), { description: 'Temporal namespace' }),
  TEMPORAL_API_KEY: variable(z.string().optional(), { description: 'API key for Temporal Cloud (turns TLS on)' }),
  TEMPORAL_TLS: variable(flag(), { description: 'connect to TEMPORAL_ADDRESS over TLS (1/true/yes/on)' }),
  MYCEL_TASK_QUEUE: variable(z.string().default('mycel'), { description: 'Temporal task queue of the worker' }),
  MYCEL_TEMPORAL_BIN: variable(z.string().optional(), { description: 'path of the `temporal` CLI for the embedded server; else PATH, the project cache, PyPI', shownDefault: '(searched)' }),
  MYCEL_TEMPORAL_UI: variable(flag(), { description: "serve the embedded server's web UI on a free port (1/true/yes/on)" }),
  MYCEL_MODEL: variable(
    matching(MODEL_FORM, 'accepted forms: offline, openai:<model>, anthropic:<model>, ollama:<model>, openai-compatible:<model>').default('offline'),
    { description: 'offline, openai:<m>, anthropic:<m>, ollama:<m>, openai-compatible:<m>' },
  ),
  MYCEL_MODEL_BASE_URL: variable(httpUrl('http://127.0.0.1:11434/v1').optional(), { description: 'base URL of the model server', shownDefault: '(provider default)' }),
  MYCEL_MODEL_API_KEY: variable(z.string().optional(), { description: 'API key of the model provider' }),
  MYCEL_MODEL_FALLBACKS: variable(
    z
      .string()
      .refine(
        (v) => v.split(',').every((id) => MODEL_FORM.test(id.trim()) && id.trim() !== 'offline'),
        'a comma-separated list of models in the form of MYCEL_MODEL (not offline), for example openai:gpt-4o-mini,ollama:llama3.2',
      )
      .optional(),
    { description: 'models tried in order when MYCEL_MODEL fails (error, timeout, 429); each with MYCEL_MODEL_FALLBACK_<n>_BASE_URL / _API_KEY' },
  ),
  MYCEL_MODEL_TIMEOUT_MS: variable(wholeNumber('milliseconds', 60_000).default(60_000), { description: 'longest one model call may take before the next model is tried' }),
  MYCEL_MODEL_DAILY_TOKEN_LIMIT: variable(wholeNumber('tokens (input + output, per UTC day)', 200_000).optional(), {
    description: 'tokens per UTC day after which background model work (memory extraction) stops',
  }),
  MYCEL_MODEL_PRICES: variable(z.string().optional(), { description: 'JSON price table (USD per million tokens by model) for cost in /api/usage' }),
  MYCEL_SCHEDULED_TOKENS_PER_RUN: variable(tokenBudget(DEFAULT_SCHEDULED_TOKENS_PER_RUN).default(DEFAULT_SCHEDULED_TOKENS_PER_RUN), {
    description: 'tokens (input + output) one occurrence of scheduled work may use before its promise pauses; a promise may set its own (`--per-run`, `budget.perRun`)',
  }),
  MYCEL_SCHEDULED_TOKENS_PER_DAY: variable(tokenBudget(DEFAULT_SCHEDULED_TOKENS_PER_DAY).default(DEFAULT_SCHEDULED_TOKENS_PER_DAY), {
    description: 'tokens one scheduled promise may use per UTC day before it pauses; a promise may set its own (`--per-day`, `budget.perDay`)',
  }),
  MYCEL_MODEL_VISION: variable(z.stringbool({ error: 'accepted values: true, 1, yes, on, false, 0, no, off' }).default(true), {
    description: 'the model can look at images: photos go to it as image parts; false: Mycel says it cannot look at them',
  }),
  MYCEL_TRANSCRIPTION_MODEL: variable(
    matching(/^(off|openai:.+)$/, 'accepted forms: off, or openai:<model> (OpenAI or any server with its /audio/transcriptions API), for example openai:whisper-1').optional(),
    { description: 'transcribes voice notes (openai:<model> on any server with /audio/transcriptions), or off', shownDefault: 'openai:whisper-1 with an openai/openai-compatible MYCEL_MODEL, else off' },
  ),
  MYCEL_TRANSCRIPTION_BASE_URL: variable(httpUrl('http://127.0.0.1:8000/v1').optional(), { description: 'base URL of the transcription server', shownDefault: '(MYCEL_MODEL_BASE_URL)' }),
  MYCEL_TRANSCRIPTION_API_KEY: variable(z.string().optional(), { description: 'API key of the transcription server', shownDefault: '(MYCEL_MODEL_API_KEY)' }),
  MYCEL_MEDIA_MAX_IMAGE_BYTES: variable(wholeNumber('bytes', DEFAULT_MEDIA_MAX_IMAGE_BYTES).default(DEFAULT_MEDIA_MAX_IMAGE_BYTES), { description: 'largest image accepted from Telegram or the web chat (bytes)' }),
  MYCEL_MEDIA_MAX_AUDIO_BYTES: variable(wholeNumber('bytes', DEFAULT_MEDIA_MAX_AUDIO_BYTES).default(DEFAULT_MEDIA_MAX_AUDIO_BYTES), { description: 'largest voice note accepted (bytes)' }),
  MYCEL_MEDIA_RETENTION_DAYS: variable(wholeNumber('days', DEFAULT_MEDIA_RETENTION_DAYS).default(DEFAULT_MEDIA_RETENTION_DAYS), {
    description: 'stored photos and voice notes (<data dir>/media) are deleted after this many days',
  }),
  TELEGRAM_BOT_TOKEN: variable(matching(/^\d+:[A-Za-z0-9_-]+$/, 'accepted form: <bot id>:<secret>, as BotFather gives it').optional(), { description: 'enables the Telegram channel' }),
  TELEGRAM_API_ROOT: variable(httpUrl('https://api.telegram.org').default('https://api.telegram.org'), { description: 'Bot API root' }),
  TELEGRAM_MODE: variable(oneOf(['polling', 'webhook']).default('polling'), { description: 'polling or webhook' }),
  TELEGRAM_WEBHOOK_URL: variable(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL that Telegram can reach' }).optional(), { description: 'public URL of the webhook (webhook mode)' }),
  TELEGRAM_WEBHOOK_SECRET: variable(matching(/^[A-Za-z0-9_-]{1,256}$/, 'accepted form: 1-256 characters of A-Z, a-z, 0-9, _ and -').optional(), {
    description: 'secret token Telegram sends with each webhook call',
  }),
  MYCEL_OWNER_TELEGRAM_IDS: variable(
    matching(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'accepted form: comma-separated numeric Telegram user ids, for example 12345,67890').optional(),
    { description: 'comma-separated Telegram user ids allowed to talk' },
  ),
  WHATSAPP_ACCESS_TOKEN: variable(z.string().optional(), { description: 'WhatsApp Business Cloud API access token; with the next three it enables the WhatsApp channel' }),
  WHATSAPP_PHONE_NUMBER_ID: variable(
    matching(/^\d{1,32}$/, 'accepted form: the numeric phone number id from the WhatsApp Business dashboard, for example 106540352242922').optional(),
    { description: 'the business phone number id replies are sent from' },
  ),
  WHATSAPP_VERIFY_TOKEN: variable(z.string().optional(), { description: 'token the webhook verification handshake must present (GET /webhooks/whatsapp)' }),
  WHATSAPP_APP_SECRET: variable(z.string().optional(), { description: 'app secret that signs each webhook call (X-Hub-Signature-256)' }),
  WHATSAPP_API_ROOT: variable(httpUrl('https://graph.facebook.com').default('https://graph.facebook.com'), { description: 'Graph API root' }),
  MYCEL_OWNER_WHATSAPP_NUMBERS: variable(
    matching(
      /^\s*\d{1,20}(\s*,\s*\d{1,20})*\s*$/,
      'accepted form: comma-separated phone numbers, digits only as the webhook gives them (country code, no +), for example 4915112345678,14155550123',
    ).optional(),
    { description: 'comma-separated WhatsApp numbers allowed to talk, digits only (4915112345678)' },
  ),
  DISCORD_BOT_TOKEN: variable(z.string().optional(), { description: 'enables the Discord channel (a bot token from the Developer Portal, with the Message Content intent on)' }),
  DISCORD_API_ROOT: variable(httpUrl('https://discord.com').default('https://discord.com'), { description: 'Discord API root (REST under <root>/api; the gateway URL comes from it)' }),
  DISCORD_CHANNEL_ID: variable(matching(/^\d{5,25}$/, 'accepted form: the numeric id of one server channel, for example 1184432318122676254').optional(), {
    description: 'one server channel Mycel also answers in, besides direct messages',
  }),
  MYCEL_OWNER_DISCORD_IDS: variable(
    matching(/^\s*\d{5,25}(\s*,\s*\d{5,25})*\s*$/, 'accepted form: comma-separated numeric Discord user ids, for example 80351110224678912').optional(),
    { description: 'comma-separated Discord user ids allowed to talk' },
  ),
  SLACK_BOT_TOKEN: variable(matching(/^xoxb-[A-Za-z0-9-]+$/, 'accepted form: the bot token of the Slack app, xoxb-…').optional(), {
    description: 'Slack app bot token (xoxb-…); with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET it enables the Slack channel',
  }),
  SLACK_APP_TOKEN: variable(matching(/^xapp-[A-Za-z0-9-]+$/, 'accepted form: an app-level token of the Slack app, xapp-…').optional(), {
    description: 'app-level token (xapp-…, connections:write): events arrive over Socket Mode, no public URL needed',
  }),
  SLACK_SIGNING_SECRET: variable(z.string().optional(), { description: 'signing secret of the Events API (POST /webhooks/slack, /webhooks/slack/interactive; X-Slack-Signature)' }),
  SLACK_API_ROOT: variable(httpUrl('https://slack.com/api').default('https://slack.com/api'), { description: 'Slack Web API root' }),
  SLACK_ALLOWED_CHANNEL: variable(matching(/^[CG][A-Z0-9]{2,31}$/, 'accepted form: the id of one Slack channel, for example C0123ABCDEF').optional(), {
    description: 'id of one Slack channel Mycel listens in besides direct messages (C…)',
  }),
  MYCEL_OWNER_SLACK_IDS: variable(
    matching(/^\s*[UW][A-Z0-9]{2,31}(\s*,\s*[UW][A-Z0-9]{2,31})*\s*$/, 'accepted form: comma-separated Slack member ids, for example U0123ABCDEF,U0456GHIJKL').optional(),
    { description: 'comma-separated Slack member ids allowed to talk (U0123ABCDEF)' },
  ),
  MYCEL_TOOLS_POLICY: variable(z.string().optional(), { description: 'tool safety policy file', shownDefault: '<data dir>/tools-policy.json' }),
  MYCEL_MCP_CONFIG: variable(z.string().optional(), { description: 'MCP servers whose tools Mycel may call (mcpServers format)', shownDefault: '<data dir>/mcp.json' }),
  MYCEL_PIPELINES: variable(z.string().optional(), { description: 'file or folder of pipeline definitions', shownDefault: '<data dir>/pipelines' }),
  MYCEL_PIPELINE_PARALLELISM: variable(wholeNumber('tasks', 100).default(100), { description: 'most tasks of one pipeline run at once (at most 1000)' }),
  MYCEL_MEMORY_MIN_CONFIDENCE: variable(
    z.coerce
      .number({ error: 'must be a number from 0 to 1, for example 0.7' })
      .min(0, { error: 'must be a number from 0 to 1, for example 0.7' })
      .max(1, { error: 'must be a number from 0 to 1, for example 0.7' })
      .default(DEFAULT_MIN_CONFIDENCE),
    { description: 'least confidence (0-1) a fact proposed by the model needs to be stored' },
  ),
  MYCEL_MEMORY_QUESTION_TIMEOUT: variable(wholeNumber('seconds', 86_400).default(DEFAULT_QUESTION_TIMEOUT_SECONDS), {
    description: 'seconds a "which fact is right?" question waits before the newer fact is kept',
  }),
  MYCEL_TIMEZONE: variable(z.string().refine(isTimeZone, 'must be an IANA time zone, for example Europe/Berlin or UTC').default('UTC'), {
    description: 'default IANA time zone of chats, for example Europe/Berlin',
  }),
  MYCEL_PROMISE_HORIZON_DAYS: variable(
    wholeNumber('days', DEFAULT_PROMISE_HORIZON_DAYS).max(MAX_PROMISE_HORIZON_DAYS, { error: `must be at most ${MAX_PROMISE_HORIZON_DAYS} days` }).default(DEFAULT_PROMISE_HORIZON_DAYS),
    { description: `how far ahead (days, at most ${MAX_PROMISE_HORIZON_DAYS}) a reminder may be due` },
  ),
  MYCEL_LOG_LEVEL: variable(oneOf(LOG_LEVELS).default('info'), {
    description: 'trace, debug, info, warn, error, fatal or silent (one-shot commands such as `pipelines run` and `doctor` log errors only unless it is set)',
  }),
  MYCEL_SHUTDOWN_TIMEOUT_MS: variable(wholeNumber('milliseconds', 15_000).default(15_000), { description: 'longest graceful shutdown before the process exits with code 1' }),
  MYCEL_CONVERSATION_TURNS_PER_RUN: variable(wholeNumber('turns', 200).default(200), {
    description: 'turns a chat workflow run takes before Continue-As-New (history stays bounded)',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(z.string().optional(), { description: 'OTLP/HTTP endpoint for OpenTelemetry traces (spans go to <endpoint>/v1/traces)' }),
  MYCEL_METRICS_PORT: variable(port('must be a port number from 0 to 65535').optional(), { description: '`mycel worker` only: serve /healthz, /readyz and /metrics on this port' }),
});

/** Longest value quoted back in an error message. */
const MAX_SHOWN_VALUE_CHARS = 80;

/** The bad value, quoted for the error message: never for secrets, and URLs without passwords. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || SECRET_VARIABLE.test(name)) return '';
  const clean = redactText(value);
  return ` (got "${clean.length > MAX_SHOWN_VALUE_CHARS ? `${clean.slice(0, MAX_SHOWN_VALUE_CHARS)}…` : clean}")`;
}

/** True for an http(s) URL with nothing after the origin but an optional "/". */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface MycelConfig {
  dataDir: string;
  http: {
    host: string;
    port: number;
    apiToken: string | undefined;
    /** The origin (scheme://host[:port]) clients use when Mycel sits behind a proxy (MYCEL_PUBLIC_URL). */
    publicOrigin: string | undefined;
  };
  databaseUrl: string;
  temporal: {
    /** Undefined means: run the embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    apiKey: string | undefined;
    tls: boolean;
    binary: string | undefined;
    /** Serve the embedded server's web UI on a free port. */
    ui: boolean;
  };
  model: {
    id: string;
    baseUrl: string | undefined;
    apiKey: string | undefined;
    /** Tried in order when the model fails (MYCEL_MODEL_FALLBACKS, MYCEL_MODEL_FALLBACK_<n>_BASE_URL / _API_KEY). */
    fallbacks?: Array<{ id: string; baseUrl: string | undefined; apiKey: string | undefined }>;
    /** Longest one model call may take before the next model is tried (MYCEL_MODEL_TIMEOUT_MS). */
    timeoutMs?: number;
    /** Whether the model(s) may be shown images (MYCEL_MODEL_VISION; default true). */
    vision?: boolean;
  };
  /** Voice notes are transcribed with this model (MYCEL_TRANSCRIPTION_*); undefined: they get a note. */
  transcription: { model: string; baseUrl: string | undefined; apiKey: string | undefined } | undefined;
  /** Caps and retention of the files people send (MYCEL_MEDIA_*). */
  media: { maxImageBytes: number; maxAudioBytes: number; retentionDays: number };
  usage: {
    /** Tokens (input + output) per UTC day after which background model work stops; none when undefined. */
    dailyTokenLimit: number | undefined;
    /** The price table file (USD per million tokens, by model); no cost is computed without one. */
    pricesPath: string | undefined;
    /**
     * Default token budgets of scheduled work (MYCEL_SCHEDULED_TOKENS_PER_RUN / _PER_DAY): what
     * one occurrence, and one promise in a UTC day, may use; a promise may set its own.
     */
    scheduled: { perRun: number; perDay: number };
  };
  telegram: {
    token: string | undefined;
    apiRoot: string;
    mode: 'polling' | 'webhook';
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
    ownerIds: number[];
  };
  /** The WhatsApp Business Cloud API channel; `enabled` when its four credentials are set. */
  whatsapp: {
    enabled: boolean;
    accessToken: string | undefined;
    phoneNumberId: string | undefined;
    verifyToken: string | undefined;
    appSecret: string | undefined;
    apiRoot: string;
    ownerNumbers: string[];
  };
  /** The Discord channel; on when DISCORD_BOT_TOKEN is set. */
  discord: {
    token: string | undefined;
    apiRoot: string;
    channelId: string | undefined;
    ownerIds: string[];
  };
  /**
   * The Slack channel; `enabled` when the bot token is set with an app-level token (Socket
   * Mode, which wins when both are set) or with a signing secret (Events API).
   */
  slack: {
    enabled: boolean;
    mode: 'socket' | 'events';
    botToken: string | undefined;
    appToken: string | undefined;
    signingSecret: string | undefined;
    apiRoot: string;
    /** The one channel (besides direct messages) where Mycel listens. */
    allowedChannel: string | undefined;
    ownerIds: string[];
  };
  toolsPolicyPath: string;
  /** The MCP servers file (MYCEL_MCP_CONFIG); a missing file means no servers. */
  mcpConfigPath: string;
  pipelinesPath: string;
  /** Most tasks of one pipeline run running at once, unless the pipeline says otherwise. */
  pipelineParallelism: number;
  timeZone: string;
  /** Promises: how far ahead (days) a reminder may be due. */
  promiseHorizonDays: number;
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
  /** Conversation: turns a chat's workflow run takes before it continues as new. */
  conversationTurnsPerRun: number;
  /** Memory: the least confidence an extracted fact needs to be stored; how long a contradiction question waits (s). */
  memory: { minConfidence: number; questionTimeoutSeconds: number };
  otlpEndpoint: string | undefined;
  /** `mycel worker` serves /healthz, /readyz and /metrics on this port (MYCEL_HTTP_HOST) when set. */
  metricsPort: number | undefined;
}

/**
 * Reads and validates the configuration from an environment (default: `process.env`).
 * Throws a ConfigError naming every bad variable with the accepted forms.
 */
/**
 * The fallback models of MYCEL_MODEL_FALLBACKS, each with its own base URL and key:
 * `MYCEL_MODEL_FALLBACK_<n>_BASE_URL` and `MYCEL_MODEL_FALLBACK_<n>_API_KEY`, n = its place
 * in the list from 1 (else the provider's default and its own key variable).
 */
function fallbackModels(list: string | undefined, env: NodeJS.ProcessEnv): MycelConfig['model']['fallbacks'] {
  if (!list) return [];
  return list.split(',').map((raw, i) => {
    const id = raw.trim();
    const baseUrl = env[`MYCEL_MODEL_FALLBACK_${i + 1}_BASE_URL`]?.trim() || undefined;
    if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl)) {
      throw new ConfigError(`MYCEL_MODEL_FALLBACK_${i + 1}_BASE_URL must be an http(s) URL.`, 'for example http://127.0.0.1:11434/v1');
    }
    if (id.startsWith('openai-compatible:') && !baseUrl) {
      throw new ConfigError(`MYCEL_MODEL_FALLBACKS names "${id}" (number ${i + 1}) but MYCEL_MODEL_FALLBACK_${i + 1}_BASE_URL is not set.`, "set it to the server's OpenAI-compatible endpoint");
    }
    return { id, baseUrl, apiKey: env[`MYCEL_MODEL_FALLBACK_${i + 1}_API_KEY`]?.trim() || undefined };
  });
}

/**
 * The transcription model: MYCEL_TRANSCRIPTION_MODEL (`off` turns it off), else whisper-1 on the
 * chat model's server when MYCEL_MODEL is `openai:` or `openai-compatible:`; its base URL and key
 * default to the chat model's.
 */
function transcriptionModel(e: z.infer<typeof envSchema>, chatModel: string): MycelConfig['transcription'] {
  const openAiLike = /^(openai|openai-compatible):/.test(chatModel);
  const model = e.MYCEL_TRANSCRIPTION_MODEL ?? (openAiLike ? DEFAULT_TRANSCRIPTION_MODEL : 'off');
  if (model === 'off') return undefined;
  return {
    model,
    baseUrl: e.MYCEL_TRANSCRIPTION_BASE_URL ?? (openAiLike ? e.MYCEL_MODEL_BASE_URL : undefined),
    apiKey: e.MYCEL_TRANSCRIPTION_API_KEY ?? (openAiLike ? e.MYCEL_MODEL_API_KEY : undefined),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MycelConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return `${name}${shownValue(name, env[name])}: ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid configuration:\n  ${lines.join('\n  ')}`,
      'fix the variable(s) above in your environment or .env file; see README "Configuration"',
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.MYCEL_DATA_DIR ?? '.mycel');
  const host = e.MYCEL_HTTP_HOST;
  if (!LOOPBACK.has(host) && !e.MYCEL_API_TOKEN) {
    throw new ConfigError(
      `MYCEL_HTTP_HOST is "${host}", which is not a loopback address, and MYCEL_API_TOKEN is not set.`,
      'set MYCEL_API_TOKEN to a long random string (clients send it as "Authorization: Bearer <token>"), or bind to 127.0.0.1',
    );
  }
  const mode = e.TELEGRAM_MODE;
  if (e.TELEGRAM_BOT_TOKEN && mode === 'webhook' && (!e.TELEGRAM_WEBHOOK_URL || !e.TELEGRAM_WEBHOOK_SECRET)) {
    throw new ConfigError(
      'TELEGRAM_MODE is "webhook" but TELEGRAM_WEBHOOK_URL or TELEGRAM_WEBHOOK_SECRET is missing.',
      'set both, or use TELEGRAM_MODE=polling',
    );
  }
  const whatsappParts = { WHATSAPP_ACCESS_TOKEN: e.WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID: e.WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_VERIFY_TOKEN: e.WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET: e.WHATSAPP_APP_SECRET };
  const whatsappMissing = Object.entries(whatsappParts).filter(([, v]) => !v).map(([k]) => k);
  if (whatsappMissing.length && whatsappMissing.length < 4) {
    throw new ConfigError(
      `The WhatsApp channel is half configured: ${whatsappMissing.join(', ')} ${whatsappMissing.length === 1 ? 'is' : 'are'} not set.`,
      'set all four of WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_VERIFY_TOKEN and WHATSAPP_APP_SECRET, or none',
    );
  }
  const slackIngress = Boolean(e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET);
  if (Boolean(e.SLACK_BOT_TOKEN) !== slackIngress) {
    throw new ConfigError(
      `The Slack channel is half configured: ${e.SLACK_BOT_TOKEN ? 'neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set' : 'SLACK_BOT_TOKEN is not set'}.`,
      'set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or with SLACK_SIGNING_SECRET (Events API), or none of them',
    );
  }
  const model = e.MYCEL_MODEL;
  if (model.startsWith('openai-compatible:') && !e.MYCEL_MODEL_BASE_URL) {
    throw new ConfigError(
      `MYCEL_MODEL is "${model}" but MYCEL_MODEL_BASE_URL is not set.`,
      'set MYCEL_MODEL_BASE_URL to the server\'s OpenAI-compatible endpoint, for example http://127.0.0.1:8000/v1',
    );
  }
  const databaseUrl = e.MYCEL_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'mycel.db')}`;
  return {
    dataDir,
    http: { host, port: e.MYCEL_HTTP_PORT, apiToken: e.MYCEL_API_TOKEN, publicOrigin: e.MYCEL_PUBLIC_URL ? new URL(e.MYCEL_PUBLIC_URL).origin : undefined },
    databaseUrl,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.MYCEL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_API_KEY),
      binary: e.MYCEL_TEMPORAL_BIN,
      ui: e.MYCEL_TEMPORAL_UI,
    },
    model: { id: model, baseUrl: e.MYCEL_MODEL_BASE_URL, apiKey: e.MYCEL_MODEL_API_KEY, fallbacks: fallbackModels(e.MYCEL_MODEL_FALLBACKS, env), timeoutMs: e.MYCEL_MODEL_TIMEOUT_MS, vision: e.MYCEL_MODEL_VISION },
    transcription: transcriptionModel(e, model),
    media: { maxImageBytes: e.MYCEL_MEDIA_MAX_IMAGE_BYTES, maxAudioBytes: e.MYCEL_MEDIA_MAX_AUDIO_BYTES, retentionDays: e.MYCEL_MEDIA_RETENTION_DAYS },
    usage: {
      dailyTokenLimit: e.MYCEL_MODEL_DAILY_TOKEN_LIMIT,
      pricesPath: e.MYCEL_MODEL_PRICES ? path.resolve(cwd, e.MYCEL_MODEL_PRICES) : undefined,
      scheduled: { perRun: e.MYCEL_SCHEDULED_TOKENS_PER_RUN, perDay: e.MYCEL_SCHEDULED_TOKENS_PER_DAY },
    },
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      apiRoot: e.TELEGRAM_API_ROOT,
      mode,
      webhookUrl: e.TELEGRAM_WEBHOOK_URL,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      ownerIds: (e.MYCEL_OWNER_TELEGRAM_IDS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(Number),
    },
    whatsapp: {
      enabled: whatsappMissing.length === 0,
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      appSecret: e.WHATSAPP_APP_SECRET,
      apiRoot: e.WHATSAPP_API_ROOT.replace(/\/+$/, ''),
      ownerNumbers: (e.MYCEL_OWNER_WHATSAPP_NUMBERS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    discord: {
      token: e.DISCORD_BOT_TOKEN,
      apiRoot: e.DISCORD_API_ROOT.replace(/\/+$/, ''),
      channelId: e.DISCORD_CHANNEL_ID,
      ownerIds: (e.MYCEL_OWNER_DISCORD_IDS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    slack: {
      enabled: Boolean(e.SLACK_BOT_TOKEN && slackIngress),
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'events',
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      apiRoot: e.SLACK_API_ROOT.replace(/\/+$/, ''),
      allowedChannel: e.SLACK_ALLOWED_CHANNEL,
      ownerIds: (e.MYCEL_OWNER_SLACK_IDS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    toolsPolicyPath: path.resolve(cwd, e.MYCEL_TOOLS_POLICY ?? path.join(dataDir, 'tools-policy.json')),
    mcpConfigPath: path.resolve(cwd, e.MYCEL_MCP_CONFIG ?? path.join(dataDir, 'mcp.json')),
    pipelinesPath: path.resolve(cwd, e.MYCEL_PIPELINES ?? path.join(dataDir, 'pipelines')),
    pipelineParallelism: Math.min(e.MYCEL_PIPELINE_PARALLELISM, 1_000),
    timeZone: e.MYCEL_TIMEZONE,
    promiseHorizonDays: e.MYCEL_PROMISE_HORIZON_DAYS,
    logLevel: e.MYCEL_LOG_LEVEL,
    shutdownTimeoutMs: e.MYCEL_SHUTDOWN_TIMEOUT_MS,
    conversationTurnsPerRun: e.MYCEL_CONVERSATION_TURNS_PER_RUN,
    memory: { minConfidence: e.MYCEL_MEMORY_MIN_CONFIDENCE, questionTimeoutSeconds: e.MYCEL_MEMORY_QUESTION_TIMEOUT },
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    metricsPort: e.MYCEL_METRICS_PORT,
  };
}

/** What a variable's schema says of it: its description, and its default as a person reads it. */
function describeVariable(name: string, schema: z.ZodType): [name: string, fallback: string, meaning: string] {
  const meta = schema.meta() as VariableMeta | undefined;
  if (!meta?.description) throw new Error(`${name} has no description in the configuration schema`);
  const inner = schema instanceof z.ZodPipe ? schema.def.out : schema;
  const fallback = meta.shownDefault ?? (inner instanceof z.ZodDefault ? String(inner.def.defaultValue) : '(none)');
  return [name, fallback, meta.description];
}

/** Every variable with its default and meaning, from the schema: for `--help` and the README. */
export const CONFIG_VARIABLES: ReadonlyArray<[name: string, fallback: string, meaning: string]> = Object.entries(envSchema.shape).map(([name, schema]) =>
  describeVariable(name, schema),
);
