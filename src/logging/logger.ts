import { pino, type Logger, type LoggerOptions } from 'pino';
import { currentLogBindings } from './log-context.js';

export type { Logger };

/** Keys whose values are never written to a log line. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'webhookSecret',
  '*.webhookSecret',
];

export interface LoggerSettings {
  level?: string;
  /** Pretty, colourful lines for a person; JSON otherwise. Defaults to whether stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr so stdout stays for command output. */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the one logger of a process. Components receive it (or a child with their own
 * bindings such as `chatId`, `workflowId`, `runId`, `updateId`) rather than importing one.
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // workflowId, runId, chatId, updateId… of the unit of work this line was written in
    // (a copy: pino merges the call's own fields into the object the mixin returns).
    mixin: () => ({ ...currentLogBindings() }),
  };
  const pretty = settings.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty && !settings.destination) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss' } },
    });
  }
  return pino(options, (settings.destination ?? pino.destination({ fd: 2, sync: true })) as pino.DestinationStream);
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
