/**
 * A pipeline's version: a whole number from 1 (`version: 1`) or a non-empty text
 * (`version: '2026-06-01'`). Text that is a whole number is that number, so `'1'` and `1`
 * name the same version. Workflow code imports this module: it stays free of I/O.
 */
export type PipelineVersion = number | string;

/** Longest text version: it is part of every run's workflow id. */
export const MAX_VERSION_CHARS = 64;

const WHOLE_NUMBER = /^\d+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The version a value names, or undefined when it is none (0, a fraction, empty text, …). */
export function toVersion(value: unknown): PipelineVersion | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > MAX_VERSION_CHARS || CONTROL.test(text)) return undefined;
  return WHOLE_NUMBER.test(text) ? toVersion(Number(text)) : text;
}

/** Orders versions as people read them: 2 before 10, '2026-01-02' before '2026-06-01'. */
export function compareVersions(a: PipelineVersion, b: PipelineVersion): number {
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** A version as the database returns it (text on PostgreSQL, a number or text on SQLite). */
export function storedVersion(value: number | string): PipelineVersion {
  return toVersion(value) ?? value;
}
