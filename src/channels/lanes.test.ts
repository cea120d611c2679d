import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { LaneDispatcher, type InboxQueue, type Settled } from './lanes.js';

interface Row {
  id: number;
  lane: string;
  attempts: number;
}

/** An in-memory inbox: rows in arrival order, each pending until settled. */
function memoryQueue(rows: Row[]): InboxQueue<Row, 'done'> & { settled: number[] } {
  const pending = [...rows];
  const settled: number[] = [];
  return {
    settled,
    pendingLanes: async (limit) => [...new Set(pending.map((r) => r.lane))].slice(0, limit),
    nextPending: async (lane) => pending.find((r) => r.lane === lane),
    settle: async (row) => {
      pending.splice(pending.indexOf(row), 1);
      settled.push(row.id);
    },
    recordFailedAttempt: async (row) => {
      row.attempts += 1;
    },
    countPending: async () => pending.length,
    onCommit: () => () => undefined,
    prune: async () => 0,
  };
}

describe('the shared lane dispatcher', () => {
  it('handles one event at a time per chat, in order, chats side by side, and retries a failed event before the next of its chat', async () => {
    const rows: Row[] = [
      { id: 1, lane: 'chat:a', attempts: 0 },
      { id: 2, lane: 'chat:b', attempts: 0 },
      { id: 3, lane: 'chat:a', attempts: 0 },
      { id: 4, lane: 'chat:b', attempts: 0 },
    ];
    const queue = memoryQueue(rows);
    const running = new Map<string, number>();
    let overlapInLane = false;
    let sawTwoLanesAtOnce = false;
    let failOnce = true;
    const order: number[] = [];
    const dispatcher = new LaneDispatcher<Row, 'done'>({
      name: 'Test',
      queue,
      logger: silentLogger(),
      describe: (row) => ({ id: row.id }),
      pollMs: 20,
      async handle(row): Promise<Settled<'done'>> {
        if (running.get(row.lane)) overlapInLane = true;
        running.set(row.lane, 1);
        if ([...running.values()].filter(Boolean).length > 1) sawTwoLanesAtOnce = true;
        await new Promise((r) => setTimeout(r, 30));
        running.set(row.lane, 0);
        order.push(row.id);
        if (row.id === 1 && failOnce) {
          failOnce = false;
          throw new Error('Temporal unreachable');
        }
        return { status: 'done', detail: 'ok' };
      },
    });
    dispatcher.start();
    await dispatcher.idle(10_000);
    await dispatcher.stop();
    expect(overlapInLane).toBe(false);
    expect(sawTwoLanesAtOnce).toBe(true);
    // Row 1 failed once and was retried before row 3 of the same chat.
    expect(order.filter((id) => id === 1 || id === 3)).toEqual([1, 1, 3]);
    expect(order.filter((id) => id === 2 || id === 4)).toEqual([2, 4]);
    expect(rows[0]!.attempts).toBe(1);
    expect(queue.settled.sort()).toEqual([1, 2, 3, 4]);
  });
});
