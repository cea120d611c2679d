import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../shared/errors.js';

/** Read and write permission for the owner only: the file holds tokens and keys. */
export const ENV_FILE_MODE = 0o600;

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=)/;
const PLAIN_VALUE = /^[A-Za-z0-9_./:@,+-]*$/;

/**
 * A value as a `.env` line holds it, read back unchanged by Node's `util.parseEnv`: bare when it
 * is plain, else in the first quotes it does not contain (dotenv syntax has no escapes).
 */
export function envValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  if (value.includes('\n') || value.includes('\r')) throw new ConfigError('A value for .env spans lines.', 'give it on one line');
  for (const quote of ["'", '"', '`']) if (!value.includes(quote)) return `${quote}${value}${quote}`;
  throw new ConfigError('A value for .env contains all of \' " and `, which a .env line cannot hold.', 'set that variable in the environment instead');
}

/**
 * Sets variables in the text of a `.env` file: a variable already there is changed on its own
 * line (the first one; later duplicates are dropped so the new value is the one read), a new
 * one is appended under `heading`. Comments, blank lines and every other line stay as they were.
 * `undefined` removes a variable.
 */
export function updateEnvText(text: string, values: Record<string, string | undefined>, heading = '# Written by `mycel init`'): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const done = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const match = ASSIGNMENT.exec(line);
    const name = match?.[2];
    if (!match || name === undefined || !(name in values)) {
      out.push(line);
      continue;
    }
    if (done.has(name)) continue;
    done.add(name);
    const value = values[name];
    if (value !== undefined) out.push(`${match[1]}${name}=${envValue(value)}`);
  }
  const added = Object.entries(values).filter(([name, value]) => !done.has(name) && value !== undefined);
  if (added.length) {
    if (out.length && out.at(-1)!.trim() !== '') out.push('');
    out.push(heading);
    for (const [name, value] of added) out.push(`${name}=${envValue(value!)}`);
  }
  return `${out.join('\n')}\n`;
}

/** The text of a `.env` file, or '' when there is none. */
export function readEnvText(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Writes a `.env` file readable by its owner only (an existing file is narrowed too). */
export function writeEnvFile(file: string, text: string): void {
  writeFileSync(file, text, { mode: ENV_FILE_MODE });
  chmodSync(file, ENV_FILE_MODE);
}
