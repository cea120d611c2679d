import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { OutboundChannels } from '../../src/channels/outbound.js';
import { createWorker } from '../../src/worker/worker.js';
import { createWorkerDeps } from '../../src/worker/worker-deps.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startTestMycel } from '../support/harness.js';

it('turns a tool activity that fails after its retries into an explained failure, not a failed turn', async () => {
  const taskQueue = `tool-failure-${randomBytes(4).toString('hex')}`;
  const gateway = await startTestMycel({ taskQueue, parts: { embedded: false, worker: false, gateway: true } });
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const proc = gateway.proc;
  const deps = createWorkerDeps({ ...gateway.activityDeps, outbound: new OutboundChannels() });
  const worker = await createWorker({
    connection,
    namespace: proc.config.temporal.namespace,
    taskQueue,
    deps,
    extraActivities: {
      runTool: async () => {
        throw ApplicationFailure.nonRetryable('the sandbox disk is full');
      },
    },
  });
  const running = worker.run();
  try {
    const chat = `toolfail-${randomBytes(3).toString('hex')}`;
    const res = await gateway.api(`/api/chats/${chat}/messages`, { body: { text: '/timezone Europe/Berlin' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reply: 'I could not change the time zone: failed: the tool could not run: the sandbox disk is full', turn: 1 });
    const after = await gateway.api(`/api/chats/${chat}/messages`, { body: { text: '/timezone' } });
    expect(after.body.reply).toMatch(/Your time zone is UTC/);
    await checkAndRecordHistory(proc.client.workflow.getHandle(`chat-web-${chat}`), 'conversation-tool-failure');
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await deps.close();
    await gateway.stop();
  }
});
