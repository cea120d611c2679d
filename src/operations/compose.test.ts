import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/config.js';
import { PACKAGE_ROOT } from '../shared/paths.js';
import { DYNAMIC_CONFIG_FILE, renderCompose, renderDynamicConfig, writeComposeDeployment } from './compose.js';

type Service = {
  image: string;
  command?: string[];
  environment: Record<string, string>;
  healthcheck: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  build?: { context: string; dockerfile: string };
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const DEPLOY = path.join(PACKAGE_ROOT, 'deploy');
const shipped = parse(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8')) as Compose;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the shipped compose file (deploy/compose.yaml)', () => {
  it('has PostgreSQL, Temporal, worker and gateway, each with a health check', () => {
    expect(Object.keys(shipped.services).sort()).toEqual(['gateway', 'postgresql', 'temporal', 'worker']);
    for (const [name, service] of Object.entries(shipped.services)) {
      expect(service.healthcheck?.test?.length, `${name} health check`).toBeGreaterThan(1);
    }
    expect(shipped.services.postgresql!.healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(shipped.services.temporal!.healthcheck.test.join(' ')).toMatch(/cluster health/);
    expect(shipped.services.worker!.healthcheck.test.join(' ')).toMatch(/:9464\/readyz/);
    expect(shipped.services.gateway!.healthcheck.test.join(' ')).toMatch(/:8787\/readyz/);
  });

  it('backs Temporal with PostgreSQL and mounts a dynamic config that exists and parses', () => {
    const temporal = shipped.services.temporal!;
    expect(temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DEFAULT_NAMESPACE: 'default' });
    expect(temporal.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(temporal.environment.DYNAMIC_CONFIG_FILE_PATH).toBe(`config/dynamicconfig/${DYNAMIC_CONFIG_FILE}`);
    expect(temporal.volumes).toContain('./dynamicconfig:/etc/temporal/config/dynamicconfig');
    const dynamic = parse(readFileSync(path.join(DEPLOY, 'dynamicconfig', DYNAMIC_CONFIG_FILE), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    expect(dynamic['frontend.enableUpdateWorkflowExecution']?.[0]?.value).toBe(true);
    expect(dynamic['frontend.enableExecuteMultiOperation']?.[0]?.value).toBe(true);
    expect(readFileSync(path.join(DEPLOY, 'dynamicconfig', DYNAMIC_CONFIG_FILE), 'utf8')).toBe(renderDynamicConfig());
  });

  it('runs `mycel worker` and `mycel gateway` against that Temporal and PostgreSQL, secrets as ${VAR} references', () => {
    const { worker, gateway } = shipped.services;
    expect(worker!.command).toEqual(['worker']);
    expect(gateway!.command).toEqual(['gateway']);
    for (const service of [worker!, gateway!]) {
      expect(service.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', MYCEL_TASK_QUEUE: 'mycel', MYCEL_MODEL: 'offline' });
      expect(service.environment.MYCEL_DATABASE_URL).toMatch(/^postgres:\/\/mycel:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgresql:5432\/mycel$/);
      expect(service.environment.MYCEL_API_TOKEN).toMatch(/^\$\{MYCEL_API_TOKEN:\?[^}]*\}$/);
      expect(service.depends_on).toMatchObject({ postgresql: { condition: 'service_healthy' }, temporal: { condition: 'service_healthy' } });
      expect(service.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
    }
    expect(worker!.environment.MYCEL_METRICS_PORT).toBe('9464');
    expect(shipped.services.postgresql!.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('is what `mycel deploy compose` writes for the default configuration', () => {
    const generated = parse(renderCompose(loadConfig({}, PACKAGE_ROOT)));
    expect(generated).toEqual(shipped);
  });
});

describe('mycel deploy compose from a configuration', () => {
  const secrets = {
    TELEGRAM_BOT_TOKEN: '123456789:AAsecret-bot-token_abcdefghijklmnop',
    MYCEL_MODEL_API_KEY: 'sk-model-secret-key-1234567890',
    MYCEL_API_TOKEN: 'api-token-secret-value',
  };
  const config = loadConfig({
    ...secrets,
    MYCEL_MODEL: 'openai:gpt-4o-mini',
    TEMPORAL_NAMESPACE: 'assistant',
    MYCEL_TASK_QUEUE: 'mycel-prod',
    MYCEL_OWNER_TELEGRAM_IDS: '42,43',
    MYCEL_TIMEZONE: 'Europe/Berlin',
  });

  it('carries the configuration and never inlines a secret', () => {
    const text = renderCompose(config);
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    const doc = parse(text) as Compose;
    const env = doc.services.worker!.environment;
    expect(env).toMatchObject({ TEMPORAL_NAMESPACE: 'assistant', MYCEL_TASK_QUEUE: 'mycel-prod', MYCEL_MODEL: 'openai:gpt-4o-mini', MYCEL_OWNER_TELEGRAM_IDS: '42,43', MYCEL_TIMEZONE: 'Europe/Berlin', TELEGRAM_MODE: 'polling' });
    expect(env.TELEGRAM_BOT_TOKEN).toBe('${TELEGRAM_BOT_TOKEN:?set TELEGRAM_BOT_TOKEN in .env}');
    expect(env.MYCEL_MODEL_API_KEY).toBe('${MYCEL_MODEL_API_KEY:-}');
    expect(doc.services.temporal!.environment.DEFAULT_NAMESPACE).toBe('assistant');
  });

  it('writes the files into a folder with a build context pointing at this repository, and will not overwrite them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-deploy-'));
    dirs.push(dir);
    const out = path.join(dir, 'ops');
    const written = writeComposeDeployment(config, out);
    expect(written.files.map((f) => path.relative(out, f)).sort()).toEqual(['Dockerfile', 'Dockerfile.dockerignore', 'compose.yaml', `dynamicconfig/${DYNAMIC_CONFIG_FILE}`]);
    const doc = parse(readFileSync(path.join(out, 'compose.yaml'), 'utf8')) as Compose;
    const build = doc.services.worker!.build!;
    expect(path.resolve(out, build.context)).toBe(PACKAGE_ROOT);
    expect(path.resolve(out, build.context, build.dockerfile)).toBe(path.join(out, 'Dockerfile'));
    expect(() => writeComposeDeployment(config, out)).toThrow(/Not overwriting/);
    expect(() => writeComposeDeployment(config, out, true)).not.toThrow();
  });
});
