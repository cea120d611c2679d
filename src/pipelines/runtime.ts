import type { ActivityDeps } from '../deps/activity-deps.js';
import { formatError } from '../shared/errors.js';
import { DEFAULT_PIPELINE_PARALLELISM } from './dag.js';
import { describeLoadErrors, loadPipelines, type LoadReport } from './loader.js';
import { PipelineRegistry, type RegisteredPipeline } from './registry.js';
import { recordDefinition } from './store.js';
import type { Store } from '../storage/database.js';
import type { PipelineVersion } from './version.js';

/** What a process knows of its pipelines: the registry, the last load report, and how to reload. */
export interface PipelineRuntime {
  registry: PipelineRegistry;
  /** Resolves when the first load has finished (errors are in the report, never thrown). */
  ready: Promise<LoadReport>;
  lastReport(): LoadReport | undefined;
  /** Reads the files again: new versions are added, loaded ones kept (runs in flight finish on theirs). */
  reload(): Promise<LoadReport>;
  /** A loaded version, reloading the files once when it is not known yet. */
  find(id: string, version: PipelineVersion): Promise<RegisteredPipeline | undefined>;
  /** Default parallelism of a run (MYCEL_PIPELINE_PARALLELISM). */
  parallelism: number;
}

/**
 * Loads the pipeline files at `target` into a registry, recording each definition in the
 * database (which refuses a changed shape under a known version, across restarts).
 */
export function createPipelineRuntime(options: {
  target: string;
  store: Store;
  parallelism?: number | undefined;
  onReport?: (report: LoadReport) => void;
}): PipelineRuntime {
  const registry = new PipelineRegistry();
  let report: LoadReport | undefined;
  let loading: Promise<LoadReport> | undefined;
  const load = () =>
    (loading ??= loadPipelines(options.target, registry, {
      verify: ({ pipeline, shape, file }) =>
        recordDefinition(options.store, { spec: pipeline.spec, shape, description: pipeline.description, source: file }),
    })
      .then((r) => {
        report = r;
        options.onReport?.(r);
        return r;
      })
      .finally(() => {
        loading = undefined;
      }));
  const ready = load();
  return {
    registry,
    ready,
    parallelism: options.parallelism ?? DEFAULT_PIPELINE_PARALLELISM,
    lastReport: () => report,
    reload: () => (loading ? loading.then(() => load()) : load()),
    async find(id, version) {
      await ready;
      const found = registry.get(id, version);
      if (found) return found;
      await this.reload();
      return registry.get(id, version);
    },
  };
}

/**
 * The pipelines of a worker, loaded from MYCEL_PIPELINES when the worker's services are built
 * (i.e. at worker start). A broken file is logged with its path and the problem; the rest of
 * Mycel starts regardless.
 */
export function pipelineRuntimeFromConfig(deps: Pick<ActivityDeps, 'config' | 'store' | 'logger'>): PipelineRuntime {
  const log = deps.logger.child({ component: 'pipelines' });
  const runtime = createPipelineRuntime({
    target: deps.config.pipelinesPath,
    store: deps.store,
    parallelism: deps.config.pipelineParallelism,
    onReport: (r) => {
      for (const line of describeLoadErrors(r)) log.error(`pipeline file not loaded: ${line}`);
      if (r.loaded.length) log.info({ pipelines: r.loaded.map((l) => `${l.id}@${l.version}`) }, 'pipelines loaded');
    },
  });
  runtime.ready.catch((err) => log.error(`loading pipelines failed: ${formatError(err)}`));
  return runtime;
}
