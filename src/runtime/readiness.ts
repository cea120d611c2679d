import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ReadinessCheck } from '../http/context.js';
import { migrationStatus, type Store } from '../storage/database.js';
import { sql } from 'kysely';

// @temporalio/proto is CommonJS: take the namespace from its default export.
const { temporal } = proto;

/** Temporal answers and knows the namespace. */
export function temporalCheck(client: Client, namespace: string): ReadinessCheck {
  return {
    name: 'temporal',
    async check() {
      const info = await client.workflowService.getSystemInfo({});
      await client.workflowService.describeNamespace({ namespace });
      return `server ${info.serverVersion || 'unknown'}, namespace ${namespace}`;
    },
  };
}

/** The database answers and every migration is applied. */
export function databaseCheck(store: Store): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      await sql`select 1`.execute(store.db);
      const { applied, pending } = await migrationStatus(store);
      if (pending.length) throw new Error(`migrations pending: ${pending.join(', ')}`);
      return `${store.capabilities.name}, ${applied.length} migrations applied`;
    },
  };
}

/** Some worker polls the task queue (this process's or another's). */
export function workerPollingCheck(client: Client, namespace: string, taskQueue: string): ReadinessCheck {
  return {
    name: 'worker',
    async check() {
      const response = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const pollers = response.pollers?.length ?? 0;
      if (pollers === 0) throw new Error(`no worker polls task queue "${taskQueue}"; start \`mycel worker\` or \`mycel start\``);
      return `${pollers} poller(s) on "${taskQueue}"`;
    },
  };
}

/** The checks `/readyz` runs on every server of a process: Temporal, database, worker polling. */
export function readinessChecks(client: Client, store: Store, temporalConfig: { namespace: string; taskQueue: string }) {
  return [
    temporalCheck(client, temporalConfig.namespace),
    databaseCheck(store),
    workerPollingCheck(client, temporalConfig.namespace, temporalConfig.taskQueue),
  ];
}
