import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { MycelConfig } from '../config/config.js';
import { MycelError } from '../shared/errors.js';
import { PACKAGE_ROOT } from '../shared/paths.js';

/**
 * The split deployment as a compose file: PostgreSQL (Mycel's database and Temporal's),
 * Temporal backed by it with its dynamic config, any number of `mycel worker`s and a
 * `mycel gateway`, each with a health check. Values come from the current configuration;
 * secrets are written as `${VAR}` references for the compose `.env` file, never inlined.
 */

/** Temporal server image (auto-setup creates the schema and the namespace on first start). */
export const TEMPORAL_IMAGE = 'temporalio/auto-setup:${TEMPORAL_VERSION:-1.29.1}';
export const POSTGRES_IMAGE = 'postgres:16';
/** Port on which each worker serves /healthz, /readyz and /metrics inside its container. */
export const WORKER_METRICS_PORT = 9464;
/** Port of the gateway inside its container. */
export const GATEWAY_PORT = 8787;
/** Where the compose file mounts the dynamic config folder. */
export const DYNAMIC_CONFIG_FILE = 'development-sql.yaml';

/** Temporal's dynamic config for the compose deployment (what Mycel relies on, stated explicitly). */
export const DYNAMIC_CONFIG = {
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
  // Conversation turns are Workflow Updates, started with update-with-start (a multi-operation).
  'frontend.enableUpdateWorkflowExecution': [{ value: true, constraints: {} }],
  'frontend.enableExecuteMultiOperation': [{ value: true, constraints: {} }],
  'frontend.enableServerVersionCheck': [{ value: false, constraints: {} }],
};

const HEALTH_TIMING = { interval: '10s', timeout: '5s', retries: 12, start_period: '30s' };

/** A Node one-liner that exits 0 when the URL answers 2xx (the image has no curl). */
function httpProbe(url: string): string[] {
  return ['CMD', 'node', '-e', `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

function ref(name: string, required: boolean): string {
  return required ? `\${${name}:?set ${name} in .env}` : `\${${name}:-}`;
}

/** The Mycel environment shared by worker and gateway, from the current configuration. */
function mycelEnvironment(config: MycelConfig): Record<string, string> {
  const env: Record<string, string> = {
    MYCEL_DATA_DIR: '/data',
    MYCEL_DATABASE_URL: 'postgres://mycel:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgresql:5432/mycel',
    TEMPORAL_ADDRESS: 'temporal:7233',
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    MYCEL_TASK_QUEUE: config.temporal.taskQueue,
    MYCEL_HTTP_HOST: '0.0.0.0',
    MYCEL_API_TOKEN: ref('MYCEL_API_TOKEN', true),
    // The origin clients use to reach the gateway from elsewhere; its host is accepted in `Host`.
    MYCEL_PUBLIC_URL: ref('MYCEL_PUBLIC_URL', false),
    MYCEL_MODEL: config.model.id,
    MYCEL_TIMEZONE: config.timeZone,
    MYCEL_LOG_LEVEL: config.logLevel,
  };
  if (config.model.baseUrl) env.MYCEL_MODEL_BASE_URL = config.model.baseUrl;
  if (config.model.id !== 'offline') env.MYCEL_MODEL_API_KEY = ref('MYCEL_MODEL_API_KEY', false);
  if (config.otlpEndpoint) env.OTEL_EXPORTER_OTLP_ENDPOINT = config.otlpEndpoint;
  return env;
}

function telegramEnvironment(config: MycelConfig): Record<string, string> {
  const t = config.telegram;
  if (!t.token) return {};
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: ref('TELEGRAM_BOT_TOKEN', true),
    TELEGRAM_API_ROOT: t.apiRoot,
    TELEGRAM_MODE: t.mode,
  };
  if (t.ownerIds.length) env.MYCEL_OWNER_TELEGRAM_IDS = t.ownerIds.join(',');
  if (t.mode === 'webhook') {
    env.TELEGRAM_WEBHOOK_URL = t.webhookUrl ?? '';
    env.TELEGRAM_WEBHOOK_SECRET = ref('TELEGRAM_WEBHOOK_SECRET', true);
  }
  return env;
}

/** Where the Mycel image is built from, relative to the compose file. */
export interface BuildPaths {
  /** The repository root (the build context). */
  context: string;
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
}

/** The shipped deploy/compose.yaml sits one folder below the repository root. */
export const SHIPPED_BUILD: BuildPaths = { context: '..', dockerfile: 'deploy/Dockerfile' };

/** The compose document (a plain object; `renderCompose` writes it as YAML). */
export function composeDocument(config: MycelConfig, build: BuildPaths = SHIPPED_BUILD): Record<string, unknown> {
  const mycel = mycelEnvironment(config);
  const telegram = telegramEnvironment(config);
  const mycelImage = {
    image: 'mycel:${MYCEL_VERSION:-local}',
    build: { context: build.context, dockerfile: build.dockerfile },
    restart: 'unless-stopped',
    volumes: ['mycel-data:/data'],
  };
  return {
    name: 'mycel',
    services: {
      postgresql: {
        image: POSTGRES_IMAGE,
        restart: 'unless-stopped',
        environment: { POSTGRES_USER: 'mycel', POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}', POSTGRES_DB: 'mycel' },
        volumes: ['postgres-data:/var/lib/postgresql/data'],
        healthcheck: { test: ['CMD-SHELL', 'pg_isready -U mycel -d mycel'], ...HEALTH_TIMING },
      },
      temporal: {
        image: TEMPORAL_IMAGE,
        restart: 'unless-stopped',
        depends_on: { postgresql: { condition: 'service_healthy' } },
        environment: {
          DB: 'postgres12',
          DB_PORT: '5432',
          POSTGRES_SEEDS: 'postgresql',
          POSTGRES_USER: 'mycel',
          POSTGRES_PWD: '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}',
          DEFAULT_NAMESPACE: config.temporal.namespace,
          DYNAMIC_CONFIG_FILE_PATH: `config/dynamicconfig/${DYNAMIC_CONFIG_FILE}`,
        },
        volumes: ['./dynamicconfig:/etc/temporal/config/dynamicconfig'],
        healthcheck: { test: ['CMD', 'temporal', 'operator', 'cluster', 'health', '--address', 'temporal:7233'], ...HEALTH_TIMING },
      },
      worker: {
        ...mycelImage,
        command: ['worker'],
        depends_on: { postgresql: { condition: 'service_healthy' }, temporal: { condition: 'service_healthy' } },
        environment: { ...mycel, ...telegram, MYCEL_METRICS_PORT: String(WORKER_METRICS_PORT) },
        healthcheck: { test: httpProbe(`http://127.0.0.1:${WORKER_METRICS_PORT}/readyz`), ...HEALTH_TIMING },
      },
      gateway: {
        ...mycelImage,
        command: ['gateway'],
        depends_on: { postgresql: { condition: 'service_healthy' }, temporal: { condition: 'service_healthy' } },
        environment: { ...mycel, ...telegram, MYCEL_HTTP_PORT: String(GATEWAY_PORT) },
        ports: [`\${MYCEL_PUBLISH_PORT:-${config.http.port || GATEWAY_PORT}}:${GATEWAY_PORT}`],
        healthcheck: { test: httpProbe(`http://127.0.0.1:${GATEWAY_PORT}/readyz`), ...HEALTH_TIMING },
      },
    },
    volumes: { 'postgres-data': {}, 'mycel-data': {} },
  };
}

const HEADER = `# Mycel split deployment: PostgreSQL, Temporal on PostgreSQL, Mycel worker(s) and gateway.
# Written by \`mycel deploy compose\` from the configuration at hand; secrets are \${VAR}
# references: put POSTGRES_PASSWORD and MYCEL_API_TOKEN (and TELEGRAM_BOT_TOKEN,
# MYCEL_MODEL_API_KEY where used) in a .env file beside this one, never in this file.
#   docker compose up -d --build            # start
#   docker compose up -d --scale worker=3   # more workers
#   docker compose exec gateway node bin/mycel.js doctor
# See docs/runbook.md.
`;

/** The compose file as YAML text. */
export function renderCompose(config: MycelConfig, build: BuildPaths = SHIPPED_BUILD): string {
  return `${HEADER}${stringify(composeDocument(config, build), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

export function renderDynamicConfig(): string {
  return `# Temporal dynamic config for the Mycel compose deployment (read by the temporal service).\n${stringify(DYNAMIC_CONFIG)}`;
}

/** The Dockerfile the compose file builds the Mycel image from. */
export const DOCKERFILE = `# The Mycel image: one image, the command picks the role (worker, gateway, start, doctor).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build:web --if-present
ENV NODE_ENV=production MYCEL_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["node", "bin/mycel.js"]
CMD ["start"]
`;

/** Kept out of the build context (BuildKit reads <Dockerfile>.dockerignore). */
export const DOCKERIGNORE = `node_modules
.cache
.mycel
.git
mycel-deploy
**/.env
`;

export interface WrittenDeployment {
  files: string[];
}

/**
 * Writes compose.yaml, dynamicconfig/, Dockerfile and its .dockerignore into `dir`. Existing files are kept
 * unless `force` is set.
 */
export function writeComposeDeployment(config: MycelConfig, dir: string, force = false): WrittenDeployment {
  const target = path.resolve(dir);
  const build: BuildPaths = {
    context: path.relative(target, PACKAGE_ROOT) || '.',
    dockerfile: path.relative(PACKAGE_ROOT, path.join(target, 'Dockerfile')),
  };
  const files: Array<[string, string]> = [
    [path.join(target, 'compose.yaml'), renderCompose(config, build)],
    [path.join(target, 'dynamicconfig', DYNAMIC_CONFIG_FILE), renderDynamicConfig()],
    [path.join(target, 'Dockerfile'), DOCKERFILE],
    [path.join(target, 'Dockerfile.dockerignore'), DOCKERIGNORE],
  ];
  const existing = files.filter(([f]) => existsSync(f)).map(([f]) => f);
  if (existing.length && !force) {
    throw new MycelError('DEPLOY_EXISTS', `Not overwriting ${existing.join(', ')}.`, 'pass --force to overwrite, or --dir <folder> to write elsewhere');
  }
  for (const [file, text] of files) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { files: files.map(([f]) => f) };
}
