import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { runDoctor } from '../../src/operations/doctor/doctor.js';
import type { CheckResult, DoctorReport } from '../../src/operations/doctor/report.js';
import { DOCTOR_STAGES } from '../../src/shared/doctor.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { TelegramStandIn } from '../support/telegram-server.js';

/** A worker process (split deployment: worker here, doctor against TEMPORAL_ADDRESS). */
let worker: TestMycel;
const logger = createLogger({ level: process.env.MYCEL_TEST_LOG_LEVEL ?? 'silent', pretty: false });

beforeAll(async () => {
  worker = await startTestMycel({ parts: { embedded: false, worker: true, gateway: false } });
});
afterAll(async () => {
  await worker?.stop();
});

/** Runs the doctor as a separate process would: its own config, pointed at the shared server. */
function doctor(env: Record<string, string> = {}): Promise<DoctorReport> {
  const config = loadConfig({
    MYCEL_DATA_DIR: worker.config.dataDir,
    MYCEL_DATABASE_URL: worker.config.databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MYCEL_TASK_QUEUE: worker.config.temporal.taskQueue,
    ...env,
  });
  return runDoctor({ config, logger });
}

function check(report: DoctorReport, group: string, name: string): CheckResult {
  const found = report.checks.find((c) => c.group === group && c.name === name);
  if (!found) throw new Error(`no check ${group}/${name} in ${JSON.stringify(report.checks.map((c) => `${c.group}/${c.name}`))}`);
  return found;
}

describe('mycel doctor against split processes (worker elsewhere, TEMPORAL_ADDRESS set)', () => {
  it('passes every check and all five validation stages', async () => {
    const report = await doctor();
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.mode).toBe('external');
    const stages = report.checks.filter((c) => c.group === 'validation');
    expect(stages.map((c) => c.name)).toEqual([...DOCTOR_STAGES]);
    expect(stages.every((c) => c.status === 'pass')).toBe(true);
    expect(check(report, 'validation', 'error handling').detail).toMatch(/failed on attempts 1 and 2, succeeded on attempt 3/);
    expect(check(report, 'temporal', 'server').detail).toMatch(/^Temporal \d+\.\d+/);
    expect(check(report, 'temporal', 'stores').detail).toMatch(/persistence sqlite, visibility sqlite/);
    expect(check(report, 'temporal', 'namespace').detail).toMatch(/retention of closed workflows 1d/);
    expect(check(report, 'temporal', 'workers').detail).toMatch(/1 workflow poller\(s\), backlog \d+; 1 activity poller\(s\)/);
    expect(check(report, 'database', 'migrations').detail).toMatch(/^all \d+ migrations applied/);
    expect(check(report, 'database', 'connections').status).toBe('skip');
    expect(report.validation?.workflowId).toMatch(/^mycel-doctor-/);
  });

  it('counts the planned failures and retries of the error-handling stage in the worker metrics', async () => {
    const { metrics } = worker.proc;
    const countOf = async (counter: typeof metrics.activityRetries) => (await counter.get()).values.find((v) => v.labels.activity === 'doctorFlaky')?.value ?? 0;
    const [retriesBefore, failuresBefore] = [await countOf(metrics.activityRetries), await countOf(metrics.activityFailures)];
    await doctor();
    expect((await countOf(metrics.activityRetries)) - retriesBefore).toBe(2);
    expect((await countOf(metrics.activityFailures)) - failuresBefore).toBe(2);
    const durations = await metrics.activityDuration.get();
    expect(durations.values.some((v) => v.labels.activity === 'doctorEcho' && v.labels.outcome === 'ok')).toBe(true);
  });

  it('fails on a wrong database URL with a hint naming MYCEL_DATABASE_URL', async () => {
    const report = await doctor({ MYCEL_DATABASE_URL: 'postgres://mycel:s3cret-pw@127.0.0.1:1/mycel' });
    expect(report.ok).toBe(false);
    const reachable = check(report, 'database', 'reachable');
    expect(reachable.status).toBe('fail');
    expect(reachable.hint).toMatch(/MYCEL_DATABASE_URL/);
    expect(check(report, 'database', 'migrations').status).toBe('skip');
    expect(JSON.stringify(report)).not.toContain('s3cret-pw');
    // The worker has its own (good) database: the validation workflow still passes.
    expect(report.checks.filter((c) => c.group === 'validation').every((c) => c.status === 'pass')).toBe(true);
  });

  it('fails when no worker polls the task queue, with a hint to start one, and skips validation', async () => {
    const report = await doctor({ MYCEL_TASK_QUEUE: `nobody-polls-${Date.now()}` });
    expect(report.ok).toBe(false);
    const workers = check(report, 'temporal', 'workers');
    expect(workers.status).toBe('fail');
    expect(workers.detail).toMatch(/no worker polls/);
    expect(workers.hint).toMatch(/mycel worker/);
    expect(report.checks.filter((c) => c.group === 'validation').every((c) => c.status === 'skip' && /no worker polls/.test(c.detail))).toBe(true);
  });

  it('fails when the namespace does not exist, with a hint to create it', async () => {
    const report = await doctor({ TEMPORAL_NAMESPACE: 'no-such-namespace' });
    expect(report.ok).toBe(false);
    const ns = check(report, 'temporal', 'namespace');
    expect(ns.status).toBe('fail');
    expect(ns.detail).toMatch(/namespace "no-such-namespace" does not exist/);
    expect(ns.hint).toMatch(/temporal operator namespace create --namespace no-such-namespace/);
    expect(check(report, 'temporal', 'workers').status).toBe('skip');
    expect(report.checks.filter((c) => c.group === 'validation').every((c) => c.status === 'skip')).toBe(true);
  });

  it('fails when Temporal is unreachable, with a hint naming TEMPORAL_ADDRESS', async () => {
    const report = await doctor({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(report.ok).toBe(false);
    const reachable = check(report, 'temporal', 'reachable');
    expect(reachable.status).toBe('fail');
    expect(reachable.hint).toMatch(/TEMPORAL_ADDRESS/);
    expect(check(report, 'database', 'reachable').status).toBe('pass');
  });
});

describe('mycel doctor: Telegram getMe', () => {
  let telegram: TelegramStandIn;
  beforeAll(async () => {
    telegram = await TelegramStandIn.start();
  });
  afterAll(async () => {
    await telegram?.stop();
  });

  it('passes with the right token and names the bot', async () => {
    const report = await doctor({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot });
    const getMe = check(report, 'telegram', 'getMe');
    expect(getMe.status).toBe('pass');
    expect(getMe.detail).toMatch(/^bot @\S+ \(id \d+\), polling mode$/);
  });

  it('fails on a rejected token with a BotFather hint, never printing the token', async () => {
    const wrong = '987654321:WRONG-token_abcdefghijklmnopqrstuv';
    const report = await doctor({ TELEGRAM_BOT_TOKEN: wrong, TELEGRAM_API_ROOT: telegram.apiRoot });
    const getMe = check(report, 'telegram', 'getMe');
    expect(getMe.status).toBe('fail');
    expect(getMe.hint).toMatch(/BotFather/);
    expect(JSON.stringify(report)).not.toContain('WRONG-token');
  });
});

describe('mycel doctor: the model', () => {
  let model: StandIn;
  beforeAll(async () => {
    model = await startOpenAIStandIn();
  });
  afterAll(async () => {
    await model?.close();
  });

  it('is skipped for the offline brain', async () => {
    const report = await doctor();
    expect(check(report, 'model', 'provider')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/MYCEL_MODEL=offline/) });
  });

  it('passes when the configured model answers a tiny prompt', async () => {
    const before = model.requests.length;
    const report = await doctor({ MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: model.baseUrl, MYCEL_MODEL_API_KEY: 'sk-doctor-secret-key-123456' });
    const provider = check(report, 'model', 'provider');
    expect(provider.status).toBe('pass');
    expect(model.requests.length).toBe(before + 1);
    expect(JSON.stringify(report)).not.toContain('sk-doctor-secret-key-123456');
  });

  it('fails with a hint when the model server cannot be reached', async () => {
    const report = await doctor({ MYCEL_MODEL: 'openai-compatible:stand-in', MYCEL_MODEL_BASE_URL: 'http://127.0.0.1:1/v1' });
    const provider = check(report, 'model', 'provider');
    expect(provider.status).toBe('fail');
    expect(provider.hint).toBeTruthy();
  });
});
