import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../shared/errors.js';

/** The file every `mycel` command reads from the working directory, when it exists. */
export const ENV_FILE_NAME = '.env';

/**
 * Reads `<cwd>/.env` (dotenv syntax, parsed by Node's own `util.parseEnv`) into `env`.
 * A variable that is already set wins over the file. Returns the names it set; a missing file
 * sets nothing. An unreadable file is a ConfigError naming it.
 */
export function loadEnvFile(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const file = path.join(cwd, ENV_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`Cannot read ${file}: ${(err as Error).message}`, 'fix its permissions, or remove it and set the variables in the environment');
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}
