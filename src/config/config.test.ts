import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { PACKAGE_ROOT } from '../shared/paths.js';
import { configTableMarkdown } from './config-docs.js';
import { CONFIG_VARIABLES, envSchema, loadConfig } from './config.js';

const CWD = '/srv/mycel';

/** The error loadConfig throws for an environment (fails the test when it does not throw). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({}, CWD);
    expect(config).toMatchObject({
      dataDir: path.join(CWD, '.mycel'),
      http: { host: '127.0.0.1', port: 8787, apiToken: undefined, publicOrigin: undefined },
      databaseUrl: `sqlite:${path.join(CWD, '.mycel', 'mycel.db')}`,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'mycel', apiKey: undefined, tls: false, binary: undefined, ui: false },
      model: { id: 'offline', baseUrl: undefined, apiKey: undefined },
      telegram: { token: undefined, apiRoot: 'https://api.telegram.org', mode: 'polling', ownerIds: [] },
      toolsPolicyPath: path.join(CWD, '.mycel', 'tools-policy.json'),
      pipelinesPath: path.join(CWD, '.mycel', 'pipelines'),
      timeZone: 'UTC',
      logLevel: 'info',
      shutdownTimeoutMs: 15_000,
      otlpEndpoint: undefined,
    });
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ MYCEL_HTTP_PORT: '', MYCEL_DATA_DIR: '  ', TEMPORAL_ADDRESS: '', MYCEL_MODEL: '' }, CWD);
    expect(config.http.port).toBe(8787);
    expect(config.dataDir).toBe(path.join(CWD, '.mycel'));
    expect(config.temporal.address).toBeUndefined();
    expect(config.model.id).toBe('offline');
  });

  it('derives paths from MYCEL_DATA_DIR and reads the other variables', () => {
    const config = loadConfig(
      {
        MYCEL_DATA_DIR: 'state',
        MYCEL_HTTP_PORT: '0',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_API_KEY: 'cloud-key',
        MYCEL_OWNER_TELEGRAM_IDS: ' 12345, 67890 ',
        MYCEL_TEMPORAL_UI: 'yes',
        MYCEL_SHUTDOWN_TIMEOUT_MS: '2500',
        MYCEL_MODEL: 'openai-compatible:qwen',
        MYCEL_MODEL_BASE_URL: 'http://127.0.0.1:8000/v1',
      },
      CWD,
    );
    expect(config.dataDir).toBe(path.join(CWD, 'state'));
    expect(config.databaseUrl).toBe(`sqlite:${path.join(CWD, 'state', 'mycel.db')}`);
    expect(config.http.port).toBe(0);
    expect(config.temporal).toMatchObject({ address: 'temporal.internal:7233', tls: true, ui: true });
    expect(config.telegram.ownerIds).toEqual([12345, 67890]);
    expect(config.shutdownTimeoutMs).toBe(2500);
    expect(config.model).toMatchObject({ id: 'openai-compatible:qwen', baseUrl: 'http://127.0.0.1:8000/v1' });
  });
});

describe('loadConfig refuses bad values, naming the variable and the accepted forms', () => {
  const cases: Array<[name: string, value: string, accepted: RegExp]> = [
    ['MYCEL_HTTP_PORT', 'abc', /port number from 0 to 65535/],
    ['MYCEL_HTTP_PORT', '70000', /port number from 0 to 65535/],
    ['MYCEL_DATABASE_URL', 'mysql://localhost/mycel', /sqlite:<path>.*postgres:\/\//],
    ['TEMPORAL_ADDRESS', 'http://localhost:7233', /host:port/],
    ['TEMPORAL_TLS', 'maybe', /accepted values: true, 1, yes, on, false, 0, no, off/],
    ['MYCEL_TEMPORAL_UI', 'sometimes', /accepted values: true, 1, yes, on/],
    ['MYCEL_MODEL', 'gpt-4', /offline, openai:<model>, anthropic:<model>/],
    ['MYCEL_MODEL_BASE_URL', 'localhost:8000', /http\(s\) URL/],
    ['TELEGRAM_API_ROOT', 'api.telegram.org', /http\(s\) URL/],
    ['TELEGRAM_MODE', 'push', /accepted values: polling, webhook/],
    ['TELEGRAM_WEBHOOK_URL', 'example.org/hook', /http\(s\) URL/],
    ['MYCEL_OWNER_TELEGRAM_IDS', 'alice,bob', /comma-separated numeric Telegram user ids/],
    ['MYCEL_TIMEZONE', 'Mars/Olympus', /IANA time zone/],
    ['MYCEL_LOG_LEVEL', 'loud', /accepted values: trace, debug, info, warn, error, fatal, silent/],
    ['MYCEL_SHUTDOWN_TIMEOUT_MS', '-5', /positive whole number/],
  ];

  it.each(cases)('%s=%s', (name, value, accepted) => {
    const err = configError({ [name]: value });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${name} (got "${value}")`);
    expect(err.message).toMatch(accepted);
    expect(err.hint).toMatch(/README "Configuration"/);
  });

  it('names every bad variable at once', () => {
    const err = configError({ MYCEL_HTTP_PORT: 'abc', TELEGRAM_MODE: 'push', MYCEL_MODEL: 'gpt' });
    for (const name of ['MYCEL_HTTP_PORT', 'TELEGRAM_MODE', 'MYCEL_MODEL']) expect(err.message).toContain(name);
    expect(err.message.split('\n')).toHaveLength(4);
  });

  it('refuses combinations that cannot work', () => {
    expect(configError({ MYCEL_MODEL: 'openai-compatible:qwen' }).message).toMatch(/MYCEL_MODEL_BASE_URL is not set/);
    expect(configError({ TELEGRAM_BOT_TOKEN: '123456:abc', TELEGRAM_MODE: 'webhook' }).message).toMatch(/TELEGRAM_WEBHOOK_URL or TELEGRAM_WEBHOOK_SECRET is missing/);
  });
});

describe('the HTTP bind address', () => {
  it.each(['0.0.0.0', '192.168.1.20', 'mycel.example.org'])('refuses non-loopback %s without MYCEL_API_TOKEN', (host) => {
    const err = configError({ MYCEL_HTTP_HOST: host });
    expect(err.message).toContain(`MYCEL_HTTP_HOST is "${host}"`);
    expect(err.message).toContain('MYCEL_API_TOKEN is not set');
    expect(err.hint).toMatch(/set MYCEL_API_TOKEN/);
  });

  it('accepts a non-loopback host with a token, and loopback hosts without one', () => {
    expect(loadConfig({ MYCEL_HTTP_HOST: '0.0.0.0', MYCEL_API_TOKEN: 'long-random-token' }, CWD).http).toMatchObject({ host: '0.0.0.0', apiToken: 'long-random-token' });
    // The HTTP server takes RFC 6750 bearer tokens only: another token could never be presented.
    expect(() => loadConfig({ MYCEL_API_TOKEN: 'has spaces and $igns' }, CWD)).toThrow(/MYCEL_API_TOKEN.*bearer token \(RFC 6750\)/s);
    expect(loadConfig({ MYCEL_API_TOKEN: 'aB3+/x_-~.k==' }, CWD).http.apiToken).toBe('aB3+/x_-~.k==');
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(loadConfig({ MYCEL_HTTP_HOST: host }, CWD).http.host).toBe(host);
  });
});

describe('MYCEL_PUBLIC_URL', () => {
  it('keeps the origin of the public URL', () => {
    expect(loadConfig({ MYCEL_PUBLIC_URL: 'https://Mycel.Example.com/' }, CWD).http.publicOrigin).toBe('https://mycel.example.com');
    expect(loadConfig({ MYCEL_PUBLIC_URL: 'http://mycel.lan:8080' }, CWD).http.publicOrigin).toBe('http://mycel.lan:8080');
  });

  it.each(['mycel.example.com', 'ftp://mycel.example.com', 'https://mycel.example.com/app', 'https://user:pw@mycel.example.com'])('refuses %s with the accepted form', (value) => {
    const err = configError({ MYCEL_PUBLIC_URL: value });
    expect(err.message).toContain('MYCEL_PUBLIC_URL');
    expect(err.message).toContain('for example https://mycel.example.com');
  });
});

describe('secrets in configuration errors', () => {
  it('never quotes a malformed token or secret back', () => {
    const err = configError({ TELEGRAM_BOT_TOKEN: 'supersecret-bot-token', TELEGRAM_WEBHOOK_SECRET: 'hush hush!' });
    const text = `${err.message}\n${err.hint}`;
    expect(text).toContain('TELEGRAM_BOT_TOKEN: accepted form');
    expect(text).toContain('TELEGRAM_WEBHOOK_SECRET: accepted form');
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('hush');
  });

  it('masks the password of a malformed URL', () => {
    const err = configError({ MYCEL_DATABASE_URL: 'mysql://admin:hunter2@db.internal/mycel', MYCEL_MODEL_BASE_URL: 'ftp://me:pa55word@models' });
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('pa55word');
    expect(err.message).toContain('mysql://admin:***@db.internal/mycel');
  });

  it('never echoes secrets that are set while another variable is wrong', () => {
    const err = configError({ MYCEL_HTTP_PORT: 'abc', MYCEL_API_TOKEN: 'tok-a1b2c3', TEMPORAL_API_KEY: 'key-d4e5f6', MYCEL_MODEL_API_KEY: 'sk-live-123' });
    const text = `${err.message}\n${err.hint}`;
    for (const secret of ['tok-a1b2c3', 'key-d4e5f6', 'sk-live-123']) expect(text).not.toContain(secret);
  });
});

describe('the schema idioms', () => {
  it('reads booleans as z.stringbool does, and a blank variable as unset', () => {
    expect(loadConfig({ MYCEL_TEMPORAL_UI: 'on', TEMPORAL_TLS: 'off' }, CWD).temporal).toMatchObject({ ui: true, tls: false });
    expect(loadConfig({ MYCEL_HTTP_PORT: '  ', MYCEL_LOG_LEVEL: '', MYCEL_TIMEZONE: ' ' }, CWD)).toMatchObject({ http: { port: 8787 }, logLevel: 'info', timeZone: 'UTC' });
    expect(loadConfig({ MYCEL_PIPELINE_PARALLELISM: ' 12 ' }, CWD).pipelineParallelism).toBe(12);
  });

  it('names the unit of each whole number: tasks, days and turns are not milliseconds', () => {
    expect(configError({ MYCEL_PIPELINE_PARALLELISM: '0' }).message).toMatch(/MYCEL_PIPELINE_PARALLELISM \(got "0"\): must be a positive whole number of tasks, for example 100/);
    expect(configError({ MYCEL_PROMISE_HORIZON_DAYS: '1.5' }).message).toMatch(/whole number of days/);
    expect(configError({ MYCEL_CONVERSATION_TURNS_PER_RUN: 'many' }).message).toMatch(/whole number of turns/);
    expect(configError({ MYCEL_SHUTDOWN_TIMEOUT_MS: '-1' }).message).toMatch(/whole number of milliseconds/);
    for (const message of [configError({ MYCEL_PIPELINE_PARALLELISM: '0' }).message, configError({ MYCEL_PROMISE_HORIZON_DAYS: '0' }).message]) {
      expect(message).not.toMatch(/milliseconds/);
    }
  });

  it('takes each default and description from the schema', () => {
    const byName = new Map(CONFIG_VARIABLES.map(([name, fallback, meaning]) => [name, { fallback, meaning }]));
    expect(byName.get('MYCEL_HTTP_PORT')).toEqual({ fallback: '8787', meaning: 'HTTP port of the web app and API' });
    expect(byName.get('TELEGRAM_MODE')?.fallback).toBe('polling');
    expect(byName.get('MYCEL_TEMPORAL_UI')?.fallback).toBe('false');
    expect(byName.get('MYCEL_API_TOKEN')?.fallback).toBe('(none)');
    expect(byName.get('MYCEL_DATA_DIR')?.fallback).toBe('./.mycel');
  });
});

describe('CONFIG_VARIABLES', () => {
  it('documents every variable of the schema exactly once, and nothing else', () => {
    const documented = CONFIG_VARIABLES.map(([name]) => name);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('gives each variable a default and a meaning', () => {
    for (const [name, fallback, meaning] of CONFIG_VARIABLES) {
      expect(fallback, name).not.toBe('');
      expect(meaning.length, name).toBeGreaterThan(5);
    }
  });

  it('is the table in the README (regenerate it with `node bin/run-ts.js scripts/config-table.ts --write`)', () => {
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(configTableMarkdown());
  });
});

describe('the WhatsApp channel', () => {
  const full = { WHATSAPP_ACCESS_TOKEN: 'EAAG-secret-token', WHATSAPP_PHONE_NUMBER_ID: '106540352242922', WHATSAPP_VERIFY_TOKEN: 'verify-me', WHATSAPP_APP_SECRET: 'app-secret-1' };

  it('is off by default, with the public Graph API root', () => {
    expect(loadConfig({}, CWD).whatsapp).toMatchObject({ enabled: false, apiRoot: 'https://graph.facebook.com', ownerNumbers: [] });
  });

  it('is on when its four credentials are set, with owner numbers as digits', () => {
    const config = loadConfig({ ...full, MYCEL_OWNER_WHATSAPP_NUMBERS: '4915112345678, 14155550123', WHATSAPP_API_ROOT: 'http://127.0.0.1:9/' }, CWD);
    expect(config.whatsapp).toMatchObject({ enabled: true, phoneNumberId: '106540352242922', apiRoot: 'http://127.0.0.1:9', ownerNumbers: ['4915112345678', '14155550123'] });
  });

  it('refuses owner numbers with a plus, spaces inside or letters, naming the variable', () => {
    for (const bad of ['+4915112345678', '4915 1123', 'abc']) {
      expect(configError({ ...full, MYCEL_OWNER_WHATSAPP_NUMBERS: bad }).message).toMatch(/MYCEL_OWNER_WHATSAPP_NUMBERS.*digits only/);
    }
  });

  it('refuses half a configuration, naming what is missing and never echoing the secrets', () => {
    const err = configError({ WHATSAPP_ACCESS_TOKEN: full.WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET: full.WHATSAPP_APP_SECRET });
    expect(err.message).toContain('WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_VERIFY_TOKEN are not set');
    expect(`${err.message}${err.hint}`).not.toContain('EAAG-secret-token');
    expect(configError({ ...full, WHATSAPP_PHONE_NUMBER_ID: 'phone-1' }).message).toMatch(/WHATSAPP_PHONE_NUMBER_ID.*numeric/);
  });
});

describe('the Slack channel', () => {
  const full = { SLACK_BOT_TOKEN: 'xoxb-1-2-secretbottoken', SLACK_SIGNING_SECRET: 'signing-secret-1' };

  it('is off by default, with the public Web API root', () => {
    expect(loadConfig({}, CWD).slack).toMatchObject({ enabled: false, apiRoot: 'https://slack.com/api', ownerIds: [], allowedChannel: undefined });
  });

  it('takes Socket Mode with an app-level token, which wins over the signing secret', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: full.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' }, CWD).slack).toMatchObject({ enabled: true, mode: 'socket' });
    expect(loadConfig({ ...full, SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' }, CWD).slack).toMatchObject({ enabled: true, mode: 'socket' });
    expect(loadConfig(full, CWD).slack).toMatchObject({ enabled: true, mode: 'events' });
  });

  it('is on with the bot token and the signing secret, with owner member ids and one allowed channel', () => {
    const config = loadConfig({ ...full, MYCEL_OWNER_SLACK_IDS: 'U0123ABCDEF, W0456GHIJKL', SLACK_API_ROOT: 'http://127.0.0.1:9/api/', SLACK_ALLOWED_CHANNEL: 'C0999ZZZ' }, CWD);
    expect(config.slack).toMatchObject({ enabled: true, apiRoot: 'http://127.0.0.1:9/api', ownerIds: ['U0123ABCDEF', 'W0456GHIJKL'], allowedChannel: 'C0999ZZZ' });
  });

  it('refuses owner ids that are not member ids, and a channel that is not a channel id, naming the variable', () => {
    for (const bad of ['u0123', '@ada', 'C0123ABC']) expect(configError({ ...full, MYCEL_OWNER_SLACK_IDS: bad }).message).toMatch(/MYCEL_OWNER_SLACK_IDS.*member ids/);
    expect(configError({ ...full, SLACK_ALLOWED_CHANNEL: '#general' }).message).toMatch(/SLACK_ALLOWED_CHANNEL/);
  });

  it('refuses half a configuration, never echoing the token', () => {
    const half = configError({ SLACK_BOT_TOKEN: full.SLACK_BOT_TOKEN });
    expect(half.message).toContain('neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set');
    expect(`${half.message}${half.hint}`).not.toContain('secretbottoken');
    expect(configError({ SLACK_SIGNING_SECRET: 's' }).message).toContain('SLACK_BOT_TOKEN is not set');
    expect(configError({ SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' }).message).toContain('SLACK_BOT_TOKEN is not set');
    expect(configError({ SLACK_BOT_TOKEN: full.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }).message).toMatch(/SLACK_APP_TOKEN.*xapp-/);
    expect(configError({ ...full, SLACK_BOT_TOKEN: 'xoxp-user-token' }).message).toMatch(/SLACK_BOT_TOKEN.*xoxb-/);
  });
});

describe('photos and voice notes', () => {
  it('caps media and keeps them 30 days by default; a model may look at images unless told otherwise', () => {
    const config = loadConfig({}, '/srv');
    expect(config.media).toEqual({ maxImageBytes: 5 * 1024 * 1024, maxAudioBytes: 20 * 1024 * 1024, retentionDays: 30 });
    expect(config.model.vision).toBe(true);
    expect(loadConfig({ MYCEL_MODEL_VISION: 'false' }, '/srv').model.vision).toBe(false);
  });

  it('transcribes with whisper-1 on an OpenAI-like model\'s server, and with nothing otherwise', () => {
    expect(loadConfig({}, '/srv').transcription).toBeUndefined();
    expect(loadConfig({ MYCEL_MODEL: 'anthropic:claude' }, '/srv').transcription).toBeUndefined();
    expect(loadConfig({ MYCEL_MODEL: 'openai-compatible:x', MYCEL_MODEL_BASE_URL: 'http://127.0.0.1:9/v1', MYCEL_MODEL_API_KEY: 'k' }, '/srv').transcription).toEqual({ model: 'openai:whisper-1', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' });
    expect(loadConfig({ MYCEL_MODEL: 'openai:gpt-4o', MYCEL_TRANSCRIPTION_MODEL: 'off' }, '/srv').transcription).toBeUndefined();
    expect(loadConfig({ MYCEL_TRANSCRIPTION_MODEL: 'openai:whisper-large', MYCEL_TRANSCRIPTION_BASE_URL: 'http://127.0.0.1:8/v1' }, '/srv').transcription).toEqual({ model: 'openai:whisper-large', baseUrl: 'http://127.0.0.1:8/v1', apiKey: undefined });
  });

  it('refuses bad media settings, naming the variable', () => {
    expect(() => loadConfig({ MYCEL_MEDIA_MAX_IMAGE_BYTES: '5MB' }, '/srv')).toThrow(/MYCEL_MEDIA_MAX_IMAGE_BYTES.*positive whole number/);
    expect(() => loadConfig({ MYCEL_TRANSCRIPTION_MODEL: 'whisper' }, '/srv')).toThrow(/MYCEL_TRANSCRIPTION_MODEL.*openai:<model>/);
    expect(() => loadConfig({ MYCEL_MODEL_VISION: 'maybe' }, '/srv')).toThrow(/MYCEL_MODEL_VISION/);
  });
});
