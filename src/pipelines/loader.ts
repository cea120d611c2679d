import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatError, MycelError } from '../shared/errors.js';
import { isPipeline, pipeline, task, type Pipeline } from './api.js';
import { shapeOf, type PipelineRegistry, type RegisteredPipeline } from './registry.js';
import type { PipelineVersion } from './version.js';

/** File names a pipeline folder may hold (**contract**). */
export const PIPELINE_FILE_PATTERN = /^(?!.*\.d\.ts$)(?!.*\.test\.[cm]?[jt]s$)[^.].*\.(ts|js|mjs)$/;

/** What a pipeline file's default export may be given when it exports a function. */
export interface PipelineFileApi {
  task: typeof task;
  pipeline: typeof pipeline;
}

export interface LoadError {
  file: string;
  message: string;
}

export interface LoadReport {
  /** Files read. */
  files: string[];
  loaded: Array<{ file: string; id: string; version: PipelineVersion; shape: string }>;
  errors: LoadError[];
}

export interface LoadOptions {
  /**
   * Called before a pipeline is added; throwing refuses it (the durable shape check
   * against the database lives here).
   */
  verify?: (entry: { pipeline: Pipeline; shape: string; file: string }) => Promise<void>;
}

/** The pipeline files at a path: the file itself, or the matching files of a folder (not recursive), sorted. */
export function pipelineFiles(target: string): string[] {
  if (!existsSync(target)) return [];
  const stat = statSync(target);
  if (stat.isFile()) return [path.resolve(target)];
  return readdirSync(target, { withFileTypes: true })
    .filter((e) => e.isFile() && PIPELINE_FILE_PATTERN.test(e.name))
    .map((e) => path.resolve(target, e.name))
    .sort();
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'nothing (no default export)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Turns a file's default export into pipelines: a pipeline, an array of them, or a function returning either. */
async function pipelinesOf(exported: unknown): Promise<Pipeline[]> {
  let value = exported;
  if (typeof value === 'function') value = await (value as (api: PipelineFileApi) => unknown)({ task, pipeline });
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(isPipeline)) {
    throw new MycelError(
      'PIPELINE_FILE_INVALID',
      `its default export is ${describeExport(value)}${Array.isArray(value) && list.length ? ' with items that are not pipelines' : ''}, not a pipeline.`,
      'default-export pipeline({ id, version, tasks }), an array of pipelines, or a function ({ task, pipeline }) => one of those',
    );
  }
  return list as Pipeline[];
}

/** Imports a file fresh (a changed file is re-read, not served from the module cache). */
async function importFresh(file: string): Promise<unknown> {
  const url = `${pathToFileURL(file).href}?mtime=${Math.round(statSync(file).mtimeMs)}`;
  // tsx loads only when a pipeline file is read, not with every command that imports this module.
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
  let exported = mod.default;
  // A .ts file outside an ESM package is compiled as CommonJS: its namespace is nested once more.
  if (exported && typeof exported === 'object' && !isPipeline(exported) && !Array.isArray(exported) && 'default' in exported) {
    exported = (exported as { default: unknown }).default;
  }
  return exported;
}

/**
 * Loads every pipeline file at `target` (MYCEL_PIPELINES: a file or a folder of `.ts`,
 * `.js` or `.mjs` files) into the registry. A broken file is reported with its path and
 * the problem and does not stop the others, nor Mycel.
 */
export async function loadPipelines(target: string, registry: PipelineRegistry, options: LoadOptions = {}): Promise<LoadReport> {
  const report: LoadReport = { files: pipelineFiles(target), loaded: [], errors: [] };
  const seen = new Map<string, string>();
  for (const file of report.files) {
    let pipelines: Pipeline[];
    try {
      pipelines = await pipelinesOf(await importFresh(file));
    } catch (err) {
      report.errors.push({ file, message: formatError(err) });
      continue;
    }
    for (const p of pipelines) {
      const key = `${p.id}@${p.version}`;
      try {
        const other = seen.get(key);
        if (other) {
          throw new MycelError('PIPELINE_DUPLICATE', `pipeline "${p.id}" version ${p.version} is also defined in ${other}.`, 'keep one definition per id and version');
        }
        const shape = shapeOf(p.spec);
        await options.verify?.({ pipeline: p, shape, file });
        const entry: RegisteredPipeline = registry.register(p, file);
        seen.set(key, file);
        report.loaded.push({ file, id: p.id, version: p.version, shape: entry.shape });
      } catch (err) {
        report.errors.push({ file, message: formatError(err) });
      }
    }
  }
  return report;
}

/** One line per load error, naming the file: for logs and the CLI. */
export function describeLoadErrors(report: LoadReport): string[] {
  return report.errors.map((e) => `${e.file}: ${e.message}`);
}
