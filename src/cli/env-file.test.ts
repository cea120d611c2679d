import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFile } from './env-file.js';

function dirWith(content?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-envfile-'));
  if (content !== undefined) writeFileSync(path.join(dir, '.env'), content);
  return dir;
}

describe('.env in the working directory', () => {
  it('sets what the environment lacks; variables already set win', () => {
    const env: NodeJS.ProcessEnv = { MYCEL_MODEL: 'offline', EMPTY: '' };
    const set = loadEnvFile(
      dirWith('# a comment\nMYCEL_MODEL=openai:gpt-4o-mini\nMYCEL_HTTP_PORT=9000\nexport TELEGRAM_MODE=polling\nQUOTED="a b # c"\nEMPTY=x\n'),
      env,
    );
    expect(env.MYCEL_MODEL).toBe('offline');
    expect(env.MYCEL_HTTP_PORT).toBe('9000');
    expect(env.QUOTED).toBe('a b # c');
    expect(env.EMPTY).toBe('');
    expect(set.sort()).toEqual(['MYCEL_HTTP_PORT', 'QUOTED', 'TELEGRAM_MODE']);
    expect(env.TELEGRAM_MODE).toBe('polling');
  });

  it('does nothing without a file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(dirWith(), env)).toEqual([]);
    expect(env).toEqual({});
  });

  it('names a .env it cannot read', () => {
    const dir = dirWith();
    mkdirSync(path.join(dir, '.env'));
    expect(() => loadEnvFile(dir, {})).toThrow(/Cannot read .*\.env/);
  });
});
