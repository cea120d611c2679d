import type { Client } from '@temporalio/client';
import { describeBacklog } from '../../metrics/backlog.js';
import { runCheck, type CheckResult } from './report.js';

/** Below this server version some of what Mycel uses (update-with-start) is missing or behind flags. */
export const MIN_TEMPORAL_SERVER_VERSION = '1.28.0';
/** Round trips measured for the latency figure. */
export const LATENCY_SAMPLES = 5;
/** A median Temporal round trip above this is reported as a warning. */
export const TEMPORAL_LATENCY_WARN_MS = 250;
/** A freshly started worker may need a moment before Temporal lists it as a poller. */
export const POLLER_GRACE_MS = 1_500;
/** Retention shorter than this leaves little time to inspect finished runs. */
export const SHORT_RETENTION_SECONDS = 24 * 60 * 60;

export interface TemporalCheckContext {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  /** Whether the workers are this doctor's own in-process worker (embedded default, nothing running). */
  ownWorker: boolean;
}

/** `1.28.0` style comparison; non-numeric parts count as 0. */
export function versionAtLeast(version: string, floor: string): boolean {
  const a = version.replace(/^v/, '').split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const b = floor.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < b.length; i += 1) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  }
  return true;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;

export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  return `${seconds}s`;
}

/** Median and maximum of a few timed calls. */
export async function measureLatency(call: () => Promise<unknown>, samples = LATENCY_SAMPLES): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { median: round(times[Math.floor(times.length / 2)]!), max: round(times[times.length - 1]!) };
}

/**
 * The Temporal checks after a connection was made: server version and capabilities, the
 * stores it reports, the namespace and its retention, workers polling the task queue,
 * and round-trip latency.
 */
export async function temporalChecks(ctx: TemporalCheckContext): Promise<{ checks: CheckResult[]; workersPolling: boolean }> {
  const { client, namespace, taskQueue } = ctx;
  const service = client.workflowService;
  const checks: CheckResult[] = [];

  checks.push(
    await runCheck(
      'temporal',
      'server',
      async () => {
        const info = await service.getSystemInfo({});
        const caps = info.capabilities ?? {};
        const on = Object.entries(caps)
          .filter(([, v]) => v === true)
          .map(([k]) => k);
        const version = info.serverVersion || 'unknown';
        if (!caps.supportsSchedules) throw new Error(`Temporal ${version} does not support Schedules (recurring promises and pipeline triggers need them)`);
        const detail = `Temporal ${version}; capabilities: ${on.join(', ') || 'none reported'}`;
        if (info.serverVersion && !versionAtLeast(info.serverVersion, MIN_TEMPORAL_SERVER_VERSION)) {
          return { status: 'warn', detail, hint: `upgrade the Temporal server to ${MIN_TEMPORAL_SERVER_VERSION} or later (Mycel starts conversations with update-with-start)` };
        }
        return detail;
      },
      'upgrade the Temporal server (self-hosted: one minor version at a time) or use the embedded default',
    ),
  );

  checks.push(
    await runCheck(
      'temporal',
      'stores',
      async () => {
        try {
          const cluster = await service.getClusterInfo({});
          return `persistence ${cluster.persistenceStore || 'unreported'}, visibility ${cluster.visibilityStore || 'unreported'}, ${cluster.historyShardCount} history shard(s), cluster "${cluster.clusterName}"`;
        } catch (err) {
          const code = grpcCode(err);
          if (code === GRPC_PERMISSION_DENIED || code === GRPC_UNIMPLEMENTED) {
            return { status: 'warn', detail: 'this server does not report its persistence and visibility stores to this client (normal on Temporal Cloud)' };
          }
          throw err;
        }
      },
      'check the Temporal frontend logs; the cluster info call failed',
    ),
  );

  let namespaceOk = false;
  checks.push(
    await runCheck(
      'temporal',
      'namespace',
      async () => {
        try {
          const ns = await service.describeNamespace({ namespace });
          namespaceOk = true;
          const retention = Number(ns.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
          const detail = `namespace "${namespace}" is registered; retention of closed workflows ${retention ? formatDuration(retention) : 'unset'}`;
          if (retention && retention < SHORT_RETENTION_SECONDS) {
            return { status: 'warn', detail, hint: `a retention under 1d leaves little time to inspect finished runs: \`temporal operator namespace update --namespace ${namespace} --retention 7d\`` };
          }
          return detail;
        } catch (err) {
          if (grpcCode(err) === GRPC_NOT_FOUND) throw new Error(`namespace "${namespace}" does not exist on ${ctx.address}`, { cause: err });
          throw err;
        }
      },
      `create it (\`temporal operator namespace create --namespace ${namespace} --address ${ctx.address}\`; on Temporal Cloud in its web UI), or set TEMPORAL_NAMESPACE to an existing namespace`,
    ),
  );

  let workersPolling = false;
  checks.push(
    await runCheck(
      'temporal',
      'workers',
      async () => {
        if (!namespaceOk) return { status: 'skip', detail: 'skipped: the namespace is missing' };
        const deadline = Date.now() + POLLER_GRACE_MS;
        let backlog = await describeBacklog(client, namespace, taskQueue);
        while (backlog.some((b) => b.pollers === 0) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          backlog = await describeBacklog(client, namespace, taskQueue);
        }
        const wf = backlog.find((b) => b.type === 'workflow')!;
        const act = backlog.find((b) => b.type === 'activity')!;
        if (wf.pollers === 0 || act.pollers === 0) {
          const missing = [wf.pollers === 0 ? 'workflow' : '', act.pollers === 0 ? 'activity' : ''].filter(Boolean).join(' and ');
          throw new Error(`no worker polls the ${missing} task queue "${taskQueue}" in namespace "${namespace}"`);
        }
        workersPolling = true;
        const counts = (b: typeof wf) => (b.count === undefined ? '' : `, backlog ${b.count}`);
        return `${wf.pollers} workflow poller(s)${counts(wf)}; ${act.pollers} activity poller(s)${counts(act)}${ctx.ownWorker ? " (the doctor's own in-process worker)" : ''}`;
      },
      `start a worker on this queue: \`mycel worker\` (or \`mycel start\`) with TEMPORAL_ADDRESS=${ctx.address}, TEMPORAL_NAMESPACE=${namespace} and MYCEL_TASK_QUEUE=${taskQueue}; then check its log`,
    ),
  );

  checks.push(
    await runCheck(
      'temporal',
      'latency',
      async () => {
        const { median, max } = await measureLatency(() => service.getSystemInfo({}));
        const detail = `round trip median ${median} ms, max ${max} ms over ${LATENCY_SAMPLES} calls`;
        if (median > TEMPORAL_LATENCY_WARN_MS) {
          return { status: 'warn', detail, hint: 'run workers close to the Temporal frontend; every workflow and activity task pays this round trip' };
        }
        return detail;
      },
      'the server stopped answering during the check; see its logs',
    ),
  );

  return { checks, workersPolling };
}
