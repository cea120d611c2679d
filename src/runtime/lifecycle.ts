import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';

/** One part of a process, started and stopped explicitly, in order. */
export interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts components in order and stops them in reverse, once, on SIGINT/SIGTERM or when
 * asked. Stopping is bounded: past `shutdownTimeoutMs` the process exits with code 1.
 */
export class Lifecycle {
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly shutdownTimeoutMs: number,
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
        process.exit(1);
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
  untilSignal(): Promise<NodeJS.Signals> {
    return new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        this.logger.info({ signal }, 'shutting down');
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        void this.stop().then(() => resolve(signal));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  }
}
