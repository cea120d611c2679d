import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { spawnMycel } from '../support/cli-process.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { TelegramStandIn } from '../support/telegram-server.js';
import { KEY, startTerminal } from '../support/terminal.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'mycel.js');
/** A port nothing listens on: the model check there fails with "connection refused". */
const DEAD_MODEL_URL = 'http://127.0.0.1:9/v1';

/** The environment without any Mycel, Telegram or Temporal variable of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MYCEL_|TELEGRAM_|TEMPORAL_|OPENAI_|ANTHROPIC_)/.test(k)));
  return { ...env, ...extra };
}

async function mycel(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'mycel-init-'));

describe('mycel init', () => {
  let tg: TelegramStandIn;
  let model: StandIn;

  beforeAll(async () => {
    tg = await TelegramStandIn.start();
    model = await startOpenAIStandIn();
  });
  afterAll(async () => {
    await tg?.stop();
    await model?.close();
  });

  it('asks in a terminal: checks the token, finds the owner from a message, checks the model, writes .env', async () => {
    const dir = tempDir();
    const term = startTerminal([process.execPath, BIN, 'init'], { cwd: dir, env: cleanEnv({ TELEGRAM_API_ROOT: tg.apiRoot }) });
    await term.expect(/Telegram bot token/);
    await term.press('123:not-the-token', KEY.enter);
    await term.expect(/Telegram rejected the bot token/);
    await term.expect(/Telegram bot token/);
    await term.press(tg.token, KEY.enter);
    await term.expect(/Bot @MycelTestBot \(Mycel Test\) answers/);
    await term.expect(/send any message to @MycelTestBot/);
    await term.expect(/Waiting for a message/);
    tg.injectMessage({ from: tg.user(4242, 'Ada', 'ada'), text: 'hello from Ada' });
    await term.expect(/Make Ada \(@ada\), id 4242 the owner\?/);
    await term.press(KEY.enter);
    await term.expect(/How should Mycel receive Telegram messages\?/);
    await term.press(KEY.enter);
    await term.expect(/Which model should answer\?/);
    await term.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter);
    await term.expect(/Model name/);
    await term.press('stand-in', KEY.enter);
    await term.expect(/Base URL/);
    await term.press(DEAD_MODEL_URL, KEY.enter);
    await term.expect(/API key/);
    await term.press(KEY.enter);
    await term.expect(/The model check failed/);
    await term.expect(/What now\?/);
    await term.press(KEY.enter);
    await term.expect(/Which model should answer\?/);
    await term.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter);
    await term.expect(/Model name/);
    await term.press('stand-in', KEY.enter);
    await term.expect(/Base URL/);
    await term.press(model.baseUrl, KEY.enter);
    await term.expect(/API key/);
    await term.press(KEY.enter);
    await term.expect(/Model answers/);
    await term.expect(/Wrote .*\.env/);
    await term.expect(/Next: npx mycel start/);
    expect(await term.exited).toBe(0);

    const file = path.join(dir, '.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const env = parseEnv(readFileSync(file, 'utf8'));
    expect(env).toMatchObject({
      TELEGRAM_BOT_TOKEN: tg.token,
      MYCEL_OWNER_TELEGRAM_IDS: '4242',
      TELEGRAM_MODE: 'polling',
      MYCEL_MODEL: 'openai-compatible:stand-in',
      MYCEL_MODEL_BASE_URL: model.baseUrl,
    });
    expect(env.MYCEL_MODEL_API_KEY).toBeUndefined();
    // The token was typed hidden: it never reached the screen.
    expect(term.screen()).not.toContain(tg.token);
    // The owner's message was confirmed, so the assistant does not answer it on its first start.
    expect(tg.pending()).toEqual([]);
  });

  it('leaves an existing .env alone when the person says no', async () => {
    const dir = tempDir();
    const before = '# mine\nMYCEL_HTTP_PORT=9000\n';
    writeFileSync(path.join(dir, '.env'), before);
    const term = startTerminal([process.execPath, BIN, 'init'], { cwd: dir, env: cleanEnv({ TELEGRAM_API_ROOT: tg.apiRoot }) });
    await term.expect(/\.env exists \(1 setting\)\. Update it\?/);
    await term.press(KEY.down, KEY.enter);
    await term.expect(/Nothing written/);
    expect(await term.exited).toBe(0);
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(before);
  });

  it('--yes refuses a bad token with a non-zero exit and writes nothing', async () => {
    const dir = tempDir();
    const run = await mycel(['init', '--yes', '--telegram-token', '123:wrong', '--owner', '4242', '--model', 'offline'], dir, cleanEnv({ TELEGRAM_API_ROOT: tg.apiRoot }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Telegram rejected the bot token/);
    expect(run.stderr).toMatch(/hint: copy it again from @BotFather/);
    expect(existsSync(path.join(dir, '.env'))).toBe(false);
  });

  it('--yes refuses a model that does not answer, saying why', async () => {
    const dir = tempDir();
    const run = await mycel(['init', '--yes', '--model', 'openai-compatible:stand-in', '--model-base-url', DEAD_MODEL_URL], dir, cleanEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/127\.0\.0\.1:9/);
    expect(existsSync(path.join(dir, '.env'))).toBe(false);
  });

  it('--yes against the stand-ins, then mycel start serves the owner on Telegram', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, '.env'), '# my own notes\nSOME_OTHER_TOOL=keep\nMYCEL_MODEL=offline\n', { mode: 0o644 });
    const env = cleanEnv({ TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_HTTP_HOST: '0.0.0.0' });
    const run = await mycel(['init', '--yes', '--telegram-token', tg.token, '--owner', '5151', '--model', 'openai-compatible:stand-in', '--model-base-url', model.baseUrl], dir, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/bot @MycelTestBot/);
    expect(run.stdout).toMatch(/API token: generated/);
    expect(run.stdout).toMatch(/Next: npx mycel start/);
    const text = readFileSync(path.join(dir, '.env'), 'utf8');
    expect(text).toMatch(/^# my own notes\nSOME_OTHER_TOOL=keep\nMYCEL_MODEL=openai-compatible:stand-in\n/);
    expect(statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600);
    const written = parseEnv(text);
    expect(written.MYCEL_API_TOKEN).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(written.MYCEL_OWNER_TELEGRAM_IDS).toBe('5151');

    const { MYCEL_HTTP_HOST: _host, ...startEnv } = env;
    const cli = await spawnMycel({ cwd: dir, env: { ...(startEnv as Record<string, string>), MYCEL_HTTP_HOST: '127.0.0.1' } });
    try {
      expect(cli.stdout()).not.toMatch(/npx mycel init/);
      const since = tg.sent.length;
      tg.injectMessage({ from: tg.user(5151, 'Owner'), text: 'hello there' });
      const [reply] = await tg.waitForMessages(5151, 1, { since, timeoutMs: 60_000 });
      expect(reply!.text).toMatch(/You said: .*hello there/);
      expect(model.requests.some((r) => JSON.stringify(r.messages).includes('hello there'))).toBe(true);
    } finally {
      await cli.stop();
    }
  });

  it('mycel start with nothing configured suggests mycel init and still starts', async () => {
    const cli = await spawnMycel({ cwd: tempDir(), env: cleanEnv() as Record<string, string> });
    try {
      expect(cli.stdout()).toMatch(/npx mycel init/);
      expect(cli.stdout().split('\n').filter((l) => l.includes('mycel init'))).toHaveLength(1);
      expect((await cli.api('/readyz')).status).toBe(200);
    } finally {
      await cli.stop();
    }
  });
});
