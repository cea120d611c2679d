import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';

/** One part of a process, started and stopped explicitly, in order. */
export interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A part of a process that yields something when it starts (a database, a client, a server):
 * `Lifecycle.open` starts it, hands back its value, and stops it with the rest.
 */
export interface Resource<T> {
  name: string;
  start(): Promise<T>;
  stop(value: T): Promise<void>;
}

/** Where SIGINT/SIGTERM come from: the process, or a stand-in in tests. */
export type SignalSource = Pick<NodeJS.Process, 'on' | 'removeListener'>;

/**
 * Starts components in order and stops them in reverse, once, on SIGINT/SIGTERM or when
 * asked. Stopping is bounded: past `shutdownTimeoutMs` the process exits with code 1
 * (`onShutdownTimeout`, replaceable for tests).
 */
export class Lifecycle {
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly shutdownTimeoutMs: number,
    private readonly onShutdownTimeout: () => void = () => process.exit(1),
  ) {}

  /** Starts each component; if one fails, the ones already started are stopped and the error rethrown. */
  async start(components: Component[]): Promise<void> {
    for (const component of components) await this.open({ name: component.name, start: () => component.start(), stop: () => component.stop() });
  }

  /**
   * Starts one resource after those already started and returns what it yields; it is stopped
   * in reverse order with the rest. If it fails, the ones already started are stopped and the
   * error rethrown.
   */
  async open<T>(resource: Resource<T>): Promise<T> {
    if (this.stopping) throw new Error(`cannot start ${resource.name}: the process is stopping`);
    const t0 = performance.now();
    let value: T;
    try {
      value = await resource.start();
    } catch (err) {
      this.logger.error({ component: resource.name }, `failed to start ${resource.name}: ${formatError(err)}`);
      await this.stop();
      throw err;
    }
    this.started.push({ name: resource.name, start: async () => undefined, stop: () => resource.stop(value) });
    this.logger.debug({ component: resource.name, ms: Math.round(performance.now() - t0) }, 'started');
    return value;
  }

  /** Stops every started component in reverse order (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const timer = setTimeout(() => {
        this.logger.error(`shutdown took longer than ${this.shutdownTimeoutMs} ms; exiting`);
        this.onShutdownTimeout();
      }, this.shutdownTimeoutMs);
      timer.unref();
      for (const component of [...this.started].reverse()) {
        try {
          await component.stop();
          this.logger.debug({ component: component.name }, 'stopped');
        } catch (err) {
          this.logger.warn({ component: component.name }, `error while stopping ${component.name}: ${formatError(err)}`);
        }
      }
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  /** Resolves when SIGINT or SIGTERM arrives and the components have stopped. */
  untilSignal(source: SignalSource = process): Promise<NodeJS.Signals> {
    return new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        this.logger.info({ signal }, 'shutting down');
        // A second signal takes the default action: a person can force an exit with Ctrl-C again.
        source.removeListener('SIGINT', onSignal);
        source.removeListener('SIGTERM', onSignal);
        void this.stop().then(() => resolve(signal));
      };
      source.on('SIGINT', onSignal);
      source.on('SIGTERM', onSignal);
    });
  }
}
