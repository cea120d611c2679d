/**
 * `npm run bench [-- --only a,b] [--quick]`: runs the bench sections in one process, on one
 * machine, and writes bench-results/latest.json and bench-results/latest.md.
 *
 * Every figure is a median and p95 over repeated runs; ratios are taken against a baseline
 * measured in the same run (a bare Temporal Update, a bare activity, the command run
 * directly), never against a number from another day. The run starts one embedded Temporal
 * server and one in-process Mycel (worker + HTTP) that sections may use; sections that need
 * their own set-up (Telegram stand-in, 500 reminders) start it themselves.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logging/logger.js';
import { startProcess, type MycelProcess } from '../src/runtime/processes.js';
import { formatError } from '../src/shared/errors.js';
import { PACKAGE_ROOT } from '../src/shared/paths.js';
import { findTemporalBinary } from '../src/temporal/binary.js';
import { loadWorkflowBundle } from '../src/worker/bundle.js';

/** Section modules, in the order they run. */
const SECTIONS = ['startup', 'footprint', 'cli', 'baseline', 'conversation', 'streaming', 'reply-parts', 'tools', 'mcp', 'memory', 'promises', 'scheduled', 'telegram', 'pipelines', 'web', 'mcp-server'] as const;

interface Section {
  name: string;
  description: string;
  run(ctx: Record<string, unknown>): Promise<unknown>;
}

function parseArgs(argv: string[]): { only: string[] | undefined; quick: boolean } {
  const i = argv.indexOf('--only');
  const only = i >= 0 ? argv[i + 1]?.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (only) {
    const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length) {
      console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
      process.exit(2);
    }
  }
  return { only, quick: argv.includes('--quick') };
}

/** The sections of an earlier report, or none when there is no readable one. */
function readPreviousSections(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return ((JSON.parse(readFileSync(file, 'utf8')) as { sections?: Record<string, unknown> }).sections ?? {});
  } catch {
    return {};
  }
}

/** "measured <date> · Node … · N cores · load …" for a section's Markdown, from its stamp. */
function measuredLine(value: unknown): string[] {
  const m = (value as { measured?: { date: string; node: string; cores: number; loadAverage?: number; quick?: boolean } } | undefined)?.measured;
  if (!m) return [];
  return [`measured ${m.date} · Node ${m.node} · ${m.cores} cores · load ${m.loadAverage ?? '?'}${m.quick ? ' · quick mode' : ''}`, ''];
}

/** Flattens a result into Markdown table rows: distributions as median/p95, other numbers as values. */
function rows(prefix: string, value: unknown, out: string[][] = []): string[][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.medianMs === 'number' && typeof v.p95Ms === 'number') {
      out.push([prefix, `${v.medianMs} ms`, `${v.p95Ms} ms`, String(v.runs ?? '')]);
      return out;
    }
    for (const [k, child] of Object.entries(v)) if (k !== 'measured') rows(prefix ? `${prefix}.${k}` : k, child, out);
  } else if (Array.isArray(value)) {
    value.forEach((child, i) => {
      const label = child && typeof child === 'object' && 'dialect' in child ? String((child as { dialect: unknown }).dialect) : String(i);
      rows(`${prefix}[${label}]`, child, out);
    });
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    out.push([prefix, String(value), '', '']);
  }
  return out;
}

async function main(): Promise<void> {
  const { only, quick } = parseArgs(process.argv.slice(2));
  const selected = SECTIONS.filter((s) => !only || only.includes(s));
  const logger = createLogger({ level: process.env.MYCEL_LOG_LEVEL ?? 'warn', pretty: false });
  const progress = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const temporalBin = findTemporalBinary({ explicit: process.env.MYCEL_TEMPORAL_BIN, progress }).path;
  await loadWorkflowBundle(logger);

  const started = new Date();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-bench-'));
  let proc: MycelProcess | undefined;
  const results: Record<string, unknown> = {};
  try {
    progress(`starting the run's instance (embedded Temporal, worker, HTTP) in ${dataDir}`);
    const config = loadConfig({ ...process.env, MYCEL_DATA_DIR: dataDir, MYCEL_HTTP_PORT: '0', MYCEL_TEMPORAL_BIN: temporalBin, TEMPORAL_ADDRESS: '', MYCEL_DATABASE_URL: '' });
    proc = await startProcess(config, logger, { embedded: true, worker: true, gateway: true });
    const ctx = {
      quick,
      temporalBin,
      temporalAddress: proc.temporalAddress,
      httpUrl: proc.http?.url,
      databaseUrl: config.databaseUrl,
      client: proc.client,
      taskQueue: config.temporal.taskQueue,
      progress,
    };
    for (const name of selected) {
      const mod = (await import(`./sections/${name}.ts`)) as { default: Section };
      progress(`${name}: ${mod.default.description}`);
      const t0 = performance.now();
      try {
        results[name] = await mod.default.run(ctx);
        progress(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (err) {
        results[name] = { status: 'error', error: formatError(err) };
        progress(`${name}: FAILED: ${formatError(err)}`);
      }
    }
  } finally {
    await proc?.lifecycle.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    // Other work on the machine skews every figure: the 1-minute load average when the run ended.
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
  };
  const outDir = path.join(PACKAGE_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  // With --only, the sections not run now keep their last figures, each stamped with its own run.
  const previous = only ? readPreviousSections(path.join(outDir, 'latest.json')) : {};
  const stamped = Object.fromEntries(Object.entries(results).map(([name, value]) => [name, { ...(value as object), measured: { date: started.toISOString(), node: machine.node, cores: machine.cores, loadAverage: machine.loadAverage, quick } }]));
  const sections = Object.fromEntries(
    SECTIONS.filter((name) => name in stamped || name in previous).map((name) => [name, stamped[name] ?? previous[name]]),
  );
  const report = { date: started.toISOString(), machine, quick, sections };
  writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    '# Mycel bench',
    '',
    `${report.date} · ${report.machine.cores} cores (${report.machine.cpu}) · ${report.machine.memoryGiB} GiB · Node ${report.machine.node}${quick ? ' · quick mode' : ''}`,
    '',
    'Medians and p95 over repeated runs; ratios against baselines measured in the same run.',
    '',
    ...Object.entries(sections).flatMap(([name, value]) => [
      `## ${name}`,
      '',
      ...measuredLine(value),
      '| figure | median / value | p95 | runs |',
      '| --- | --- | --- | --- |',
      ...rows('', value).map((r) => `| ${r.join(' | ')} |`),
      '',
    ]),
  ].join('\n');
  writeFileSync(path.join(outDir, 'latest.md'), md);
  progress(`wrote ${path.relative(process.cwd(), path.join(outDir, 'latest.json'))} and latest.md`);
}

await main();
