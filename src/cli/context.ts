import { loadConfig, type MycelConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { MycelError } from '../shared/errors.js';

/** What every command gets: configuration (validated on first use) and the logger. */
export interface CliContext {
  config(): MycelConfig;
  logger(): Logger;
  /**
   * The logger of a one-shot command (`pipelines run`, `doctor`, …): errors only, so what a
   * person reads is not drowned in JSON lines, unless MYCEL_LOG_LEVEL asks for more.
   */
  commandLogger(): Logger;
  /** Output for a person or a script (stdout). */
  out(line: string): void;
}

/** A one-shot command logs errors only unless MYCEL_LOG_LEVEL is set. */
export function commandLogLevel(env: NodeJS.ProcessEnv, configured: string): string {
  return env.MYCEL_LOG_LEVEL?.trim() ? configured : 'error';
}

export function createCliContext(): CliContext {
  let config: MycelConfig | undefined;
  let logger: Logger | undefined;
  let commandLogger: Logger | undefined;
  return {
    config: () => (config ??= loadConfig()),
    logger: () => (logger ??= createLogger({ level: (config ??= loadConfig()).logLevel })),
    commandLogger: () => (commandLogger ??= createLogger({ level: commandLogLevel(process.env, (config ??= loadConfig()).logLevel) })),
    out: (line) => process.stdout.write(`${line}\n`),
  };
}

/** For commands whose capability is not part of this build yet: an honest, non-zero answer. */
export function notAvailable(what: string): never {
  throw new MycelError('NOT_AVAILABLE', `${what} is not available in this version of Mycel yet.`, 'see the README for what is implemented');
}
