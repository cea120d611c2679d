import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withLogContext } from './log-context.js';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', pretty: false, destination }) };
}

describe('log context', () => {
  it('adds the bindings of the unit of work to every line written inside it, across awaits and child loggers', async () => {
    const { lines, logger } = capture();
    await withLogContext({ workflowId: 'wf-1', runId: 'run-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.child({ component: 'x' }).info('inside');
      await withLogContext({ chatId: 'c-9', updateId: 'web:api:1' }, async () => logger.info({ extra: 1 }, 'nested'));
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', workflowId: 'wf-1', runId: 'run-1', component: 'x' });
    expect(lines[1]).toMatchObject({ msg: 'nested', workflowId: 'wf-1', runId: 'run-1', chatId: 'c-9', updateId: 'web:api:1', extra: 1 });
    expect(lines[2]).not.toHaveProperty('workflowId');
    expect(lines[2]).not.toHaveProperty('extra');
  });
});
