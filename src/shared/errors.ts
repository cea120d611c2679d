/**
 * Errors that reach a person carry a stable code, a message that says what failed,
 * and a hint that says how to fix it. The CLI prints message and hint, never a stack.
 */
export class MycelError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MycelError';
    this.code = code;
    this.hint = hint;
  }
}

/** A configuration value that is missing or malformed. */
export class ConfigError extends MycelError {
  constructor(message: string, hint?: string) {
    super('CONFIG_INVALID', message, hint);
    this.name = 'ConfigError';
  }
}

/** Renders any error for a terminal: message, then the hint when there is one. */
export function formatError(err: unknown): string {
  if (err instanceof MycelError) {
    return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
