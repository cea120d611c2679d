import { describe, expect, it } from 'vitest';
import { MycelError } from '../../shared/errors.js';
import { renderTable, runCheck, type DoctorReport } from './report.js';
import { formatDuration, versionAtLeast } from './temporal-checks.js';

function report(checks: DoctorReport['checks']): DoctorReport {
  return {
    ok: checks.every((c) => c.status !== 'fail'),
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    mode: 'external',
    temporal: { address: 'temporal:7233', namespace: 'default', taskQueue: 'mycel' },
    database: 'sqlite:/data/mycel.db',
    validation: undefined,
    checks,
  };
}

describe('doctor report', () => {
  it('times a check and turns a thrown MycelError into a failure with its own hint', async () => {
    const ok = await runCheck('database', 'version', async () => 'SQLite 3.45', 'unused');
    expect(ok).toMatchObject({ status: 'pass', detail: 'SQLite 3.45' });
    const failed = await runCheck('database', 'reachable', async () => { throw new MycelError('X', 'first line\nsecond line', 'do this'); }, 'fallback');
    expect(failed).toMatchObject({ status: 'fail', detail: 'first line; second line', hint: 'do this' });
    const plain = await runCheck('temporal', 'namespace', async () => { throw new Error('boom'); }, (err) => `because ${(err as Error).message}`);
    expect(plain).toMatchObject({ status: 'fail', detail: 'boom', hint: 'because boom' });
  });

  it('renders a table with a fix line under each failure and a closing verdict', () => {
    const table = renderTable(
      report([
        { group: 'temporal', name: 'reachable', status: 'pass', ms: 3, detail: 'temporal:7233 answers' },
        { group: 'temporal', name: 'workers', status: 'fail', ms: 40, detail: 'no worker polls', hint: 'start `mycel worker`' },
        { group: 'telegram', name: 'getMe', status: 'skip', ms: 0, detail: 'not configured' },
      ]),
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+CHECK\s+STATUS\s+TIME\s+DETAIL$/);
    expect(lines[2]).toMatch(/^temporal\s+workers\s+FAIL\s+40 ms\s+no worker polls$/);
    expect(lines[3]).toMatch(/^\s+↳ fix: start `mycel worker`$/);
    expect(table).toMatch(/1 check\(s\) failed \(1234 ms\) against Temporal at temporal:7233\./);
  });

  it('compares server versions and formats retention', () => {
    expect(versionAtLeast('1.32.0', '1.28.0')).toBe(true);
    expect(versionAtLeast('1.28.0', '1.28.0')).toBe(true);
    expect(versionAtLeast('v1.27.9', '1.28.0')).toBe(false);
    expect(versionAtLeast('1.28.1-rc1', '1.28.0')).toBe(true);
    expect(formatDuration(86_400)).toBe('1d');
    expect(formatDuration(7_200)).toBe('2h');
    expect(formatDuration(90)).toBe('90s');
  });
});
