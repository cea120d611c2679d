import { formatError, MycelError } from '../../shared/errors.js';

/** What one doctor check found. `warn` passes (with a note); only `fail` fails the run. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type CheckGroup = 'temporal' | 'database' | 'telegram' | 'slack' | 'model' | 'mcp' | 'validation';

export interface CheckResult {
  group: CheckGroup;
  name: string;
  status: CheckStatus;
  /** Wall-clock time of the check (for validation stages: as seen by the workflow). */
  ms: number;
  detail: string;
  /** How to fix it; present on every failure (and on some warnings). */
  hint?: string;
}

export interface DoctorReport {
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** How Temporal was reached: TEMPORAL_ADDRESS, the running `mycel start`, or a server the doctor started. */
  mode: 'external' | 'running' | 'temporary';
  temporal: { address: string | undefined; namespace: string; taskQueue: string };
  database: string;
  validation: { workflowId: string; runId: string } | undefined;
  checks: CheckResult[];
}

/** What a check body returns when it does not simply pass. */
export interface CheckOutcome {
  status?: CheckStatus;
  detail: string;
  hint?: string;
}

/**
 * Runs one check, timing it. A thrown MycelError fails the check with its own hint;
 * any other error fails it with `hint` (a string, or a function of the error).
 */
export async function runCheck(
  group: CheckGroup,
  name: string,
  body: () => Promise<CheckOutcome | string>,
  hint: string | ((err: unknown) => string),
): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await body();
    const o = typeof outcome === 'string' ? { detail: outcome } : outcome;
    return { group, name, status: o.status ?? 'pass', ms: elapsed(started), detail: o.detail, ...(o.hint ? { hint: o.hint } : {}) };
  } catch (err) {
    const message = err instanceof MycelError ? err.message : formatError(err);
    const fix = err instanceof MycelError && err.hint ? err.hint : typeof hint === 'function' ? hint(err) : hint;
    return { group, name, status: 'fail', ms: elapsed(started), detail: oneLine(message), hint: fix };
  }
}

export function skipped(group: CheckGroup, name: string, detail: string): CheckResult {
  return { group, name, status: 'skip', ms: 0, detail };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}

const MARK: Record<CheckStatus, string> = { pass: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** Longest detail shown in a table cell before it is cut (the JSON output has it whole). */
export const TABLE_DETAIL_CHARS = 110;

/** A readable table: one row per check, timings, and a fix line under each failure. */
export function renderTable(report: DoctorReport): string {
  const rows = report.checks.map((c) => [`${c.group}`, c.name, MARK[c.status], `${c.ms} ms`, c.detail.length > TABLE_DETAIL_CHARS ? `${c.detail.slice(0, TABLE_DETAIL_CHARS - 1)}…` : c.detail]);
  const header = ['GROUP', 'CHECK', 'STATUS', 'TIME', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  report.checks.forEach((c, i) => {
    out.push(line(rows[i]!));
    if (c.hint && (c.status === 'fail' || c.status === 'warn')) out.push(`${' '.repeat(widths[0]! + 2)}↳ fix: ${c.hint}`);
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const where =
    report.mode === 'external'
      ? `Temporal at ${report.temporal.address}`
      : report.mode === 'running'
        ? `the running Mycel (Temporal at ${report.temporal.address})`
        : `the embedded default (started for this check at ${report.temporal.address ?? 'n/a'})`;
  out.push('');
  out.push(
    failed === 0
      ? `All checks passed in ${report.durationMs} ms against ${where}, namespace "${report.temporal.namespace}", task queue "${report.temporal.taskQueue}".`
      : `${failed} check(s) failed (${report.durationMs} ms) against ${where}. Fix the first failure and run \`mycel doctor\` again.`,
  );
  return out.join('\n');
}
