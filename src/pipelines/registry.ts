import { createHash } from 'node:crypto';
import { MycelError } from '../shared/errors.js';
import type { Pipeline } from './api.js';
import { shapeText, type PipelineSpec } from './dag.js';
import { compareVersions, type PipelineVersion } from './version.js';

/** Fingerprint of a pipeline's shape (tasks, dependencies, policies), not of its code. */
export function shapeOf(spec: PipelineSpec): string {
  return createHash('sha256').update(shapeText(spec)).digest('hex').slice(0, 16);
}

export interface RegisteredPipeline {
  pipeline: Pipeline;
  shape: string;
  /** The file it came from (undefined when registered in code). */
  source: string | undefined;
}

/**
 * The one registry of pipelines of a process, by id and version. Versions are kept side by
 * side, so a run in flight finishes on the version it started with after a newer one is
 * loaded. Re-registering an id and version with another shape is refused.
 */
export class PipelineRegistry {
  private readonly byKey = new Map<string, RegisteredPipeline>();

  private static key(id: string, version: PipelineVersion): string {
    return `${id}@${version}`;
  }

  /** Adds a pipeline (or replaces the code of the same shape); throws PIPELINE_SHAPE_CHANGED otherwise. */
  register(pipeline: Pipeline, source?: string): RegisteredPipeline {
    const shape = shapeOf(pipeline.spec);
    const key = PipelineRegistry.key(pipeline.id, pipeline.version);
    const existing = this.byKey.get(key);
    if (existing && existing.shape !== shape) {
      throw shapeChanged(pipeline.id, pipeline.version, existing.source ?? 'code', source ?? 'code');
    }
    const entry = { pipeline, shape, source };
    this.byKey.set(key, entry);
    return entry;
  }

  get(id: string, version: PipelineVersion): RegisteredPipeline | undefined {
    return this.byKey.get(PipelineRegistry.key(id, version));
  }

  /** The highest loaded version of a pipeline. */
  latest(id: string): RegisteredPipeline | undefined {
    let best: RegisteredPipeline | undefined;
    for (const entry of this.byKey.values()) {
      if (entry.pipeline.id === id && (!best || compareVersions(entry.pipeline.version, best.pipeline.version) > 0)) best = entry;
    }
    return best;
  }

  /** Every loaded pipeline version, by id then version. */
  list(): RegisteredPipeline[] {
    return [...this.byKey.values()].sort((a, b) =>
      a.pipeline.id === b.pipeline.id ? compareVersions(a.pipeline.version, b.pipeline.version) : a.pipeline.id < b.pipeline.id ? -1 : 1,
    );
  }
}

export function shapeChanged(id: string, version: PipelineVersion, before: string, now: string): MycelError {
  return new MycelError(
    'PIPELINE_SHAPE_CHANGED',
    `Pipeline "${id}" version ${version} is already defined with another shape (${before}); ${now} changes its tasks, dependencies or policies without a new version.`,
    `${typeof version === 'number' ? `raise its version to ${version + 1}` : 'give it a new version'}: runs of version ${version} keep the shape they started with`,
  );
}
