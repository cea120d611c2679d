import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readEnvText, updateEnvText, writeEnvFile } from './env-edit.js';

describe('.env editing', () => {
  it('changes known variables in place and keeps comments, blank lines and unknown lines', () => {
    const before = '# my settings\nMYCEL_HTTP_PORT=9000\n\nexport MYCEL_MODEL=offline # old\nOTHER_TOOL=keep me\nMYCEL_MODEL=again\n';
    const after = updateEnvText(before, { MYCEL_MODEL: 'openai:gpt-4o-mini', TELEGRAM_BOT_TOKEN: '123:abc', MYCEL_MODEL_API_KEY: 'sk "quoted" # not a comment' });
    expect(after).toBe(
      '# my settings\nMYCEL_HTTP_PORT=9000\n\nexport MYCEL_MODEL=openai:gpt-4o-mini\nOTHER_TOOL=keep me\n\n# Written by `mycel init`\nTELEGRAM_BOT_TOKEN=123:abc\nMYCEL_MODEL_API_KEY=\'sk "quoted" # not a comment\'\n',
    );
    const parsed = parseEnv(after);
    expect(parsed.MYCEL_MODEL_API_KEY).toBe('sk "quoted" # not a comment');
    expect(parsed.OTHER_TOOL).toBe('keep me');
    expect(parsed.MYCEL_MODEL).toBe('openai:gpt-4o-mini');
  });

  it('quotes what needs quoting so Node reads it back unchanged', () => {
    for (const value of ["it's", 'a "b" c', `it's "x"`, 'spaces and # hash', '']) {
      expect(parseEnv(updateEnvText('', { V: value })).V).toBe(value);
    }
    expect(() => updateEnvText('', { V: 'a\nb' })).toThrow(/spans lines/);
  });

  it('removes a variable set to undefined and starts an empty file cleanly', () => {
    expect(updateEnvText('A=1\nMYCEL_MODEL_BASE_URL=http://x\n', { MYCEL_MODEL_BASE_URL: undefined })).toBe('A=1\n');
    expect(updateEnvText('', { MYCEL_MODEL: 'offline' })).toBe('# Written by `mycel init`\nMYCEL_MODEL=offline\n');
  });

  it('writes the file for its owner only, also when it existed with wider permissions', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mycel-envedit-')), '.env');
    expect(readEnvText(file)).toBe('');
    writeFileSync(file, 'A=1\n', { mode: 0o644 });
    writeEnvFile(file, 'A=2\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readEnvText(file)).toBe('A=2\n');
  });
});
