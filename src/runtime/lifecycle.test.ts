import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Lifecycle, type Component, type SignalSource } from './lifecycle.js';

/** Components that record what happens to them, in one shared journal. */
function recorder() {
  const journal: string[] = [];
  const component = (name: string, behaviour: { failStart?: boolean; failStop?: boolean; hangStop?: boolean } = {}): Component => ({
    name,
    async start() {
      journal.push(`start ${name}`);
      if (behaviour.failStart) throw new Error(`${name} cannot start`);
    },
    async stop() {
      journal.push(`stop ${name}`);
      if (behaviour.failStop) throw new Error(`${name} cannot stop`);
      if (behaviour.hangStop) await new Promise(() => undefined);
    },
  });
  return { journal, component };
}

describe('Lifecycle', () => {
  it('starts components in order and stops them in reverse order', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await lifecycle.start([component('temporal'), component('database'), component('worker'), component('http')]);
    await lifecycle.stop();
    expect(journal).toEqual(['start temporal', 'start database', 'start worker', 'start http', 'stop http', 'stop worker', 'stop database', 'stop temporal']);
  });

  it('stops the components already started when one fails to start, and rethrows its error', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await expect(lifecycle.start([component('temporal'), component('database'), component('worker', { failStart: true }), component('http')])).rejects.toThrow(
      'worker cannot start',
    );
    expect(journal).toEqual(['start temporal', 'start database', 'start worker', 'stop database', 'stop temporal']);
  });

  it('hands back what an opened resource yields and stops it with the components, in reverse order', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    const db = await lifecycle.open({
      name: 'database',
      start: async () => ({ url: 'sqlite:x' }),
      stop: async (value) => void journal.push(`close ${value.url}`),
    });
    expect(db).toEqual({ url: 'sqlite:x' });
    await lifecycle.start([component('worker')]);
    await lifecycle.stop();
    expect(journal).toEqual(['start worker', 'stop worker', 'close sqlite:x']);
  });

  it('stops what was opened when a later resource fails to open, and rethrows its error', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await lifecycle.start([component('temporal')]);
    const failing = lifecycle.open({ name: 'database', start: () => Promise.reject(new Error('no database')), stop: async () => undefined });
    await expect(failing).rejects.toThrow('no database');
    expect(journal).toEqual(['start temporal', 'stop temporal']);
  });

  it('stops once, however often it is asked', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await lifecycle.start([component('a'), component('b')]);
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await lifecycle.stop();
    expect(journal.filter((line) => line.startsWith('stop'))).toEqual(['stop b', 'stop a']);
  });

  it('keeps stopping the others when one fails to stop', async () => {
    const { journal, component } = recorder();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await lifecycle.start([component('a'), component('b', { failStop: true }), component('c')]);
    await lifecycle.stop();
    expect(journal.slice(3)).toEqual(['stop c', 'stop b', 'stop a']);
  });

  it('gives up when stopping takes longer than the shutdown timeout', async () => {
    const { component } = recorder();
    let timedOut = 0;
    const lifecycle = new Lifecycle(silentLogger(), 50, () => {
      timedOut += 1;
    });
    await lifecycle.start([component('stuck', { hangStop: true })]);
    vi.useFakeTimers();
    try {
      void lifecycle.stop();
      await vi.advanceTimersByTimeAsync(49);
      expect(timedOut).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(timedOut).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops on %s and then lets a second signal through', async (signal) => {
    const { journal, component } = recorder();
    const signals = new EventEmitter();
    const lifecycle = new Lifecycle(silentLogger(), 1_000);
    await lifecycle.start([component('a'), component('b')]);
    const received = lifecycle.untilSignal(signals as unknown as SignalSource);
    expect(signals.listenerCount(signal)).toBe(1);
    signals.emit(signal, signal);
    await expect(received).resolves.toBe(signal);
    expect(journal.slice(2)).toEqual(['stop b', 'stop a']);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
