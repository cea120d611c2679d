import { loadConfig, type MycelConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';

/** What every command gets: configuration (validated on first use) and the logger. */
export interface CliContext {
  config(): MycelConfig;
  logger(): Logger;
  /** Output for a person or a script (stdout). */
  out(line: string): void;
}

export function createCliContext(): CliContext {
  let config: MycelConfig | undefined;
  let logger: Logger | undefined;
  return {
    config: () => (config ??= loadConfig()),
    logger: () => (logger ??= createLogger({ level: (config ??= loadConfig()).logLevel })),
    out: (line) => process.stdout.write(`${line}\n`),
  };
}

/** For commands whose capability is not part of this build yet: an honest, non-zero answer. */
export function notAvailable(what: string): never {
  throw new MycelError('NOT_AVAILABLE', `${what} is not available in this version of Mycel yet.`, 'see the README for what is implemented');
}
