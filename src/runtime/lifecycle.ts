import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';

/** One part of a process, started and stopped explicitly, in order. */
export interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
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
    for (const component of components) {
      const t0 = performance.now();
      try {
        await component.start();
      } catch (err) {
        this.logger.error({ component: component.name }, `failed to start ${component.name}: ${formatError(err)}`);
        await this.stop();
        throw err;
      }
      this.started.push(component);
      this.logger.debug({ component: component.name, ms: Math.round(performance.now() - t0) }, 'started');
    }
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
