import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from '../logging/logger.js';
import { CACHE_DIR, PACKAGE_ROOT } from '../shared/paths.js';

/** Entry file of the workflow bundle: everything the worker's sandbox runs. */
export const WORKFLOWS_PATH = path.join(PACKAGE_ROOT, 'src', 'workflows', 'index.ts');
const BUNDLE_DIR = path.join(CACHE_DIR, 'workflow-bundles');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** A fingerprint of the code that can end up in the bundle, plus the SDK version and interceptor modules. */
function fingerprint(interceptorModules: string[]): string {
  const hash = createHash('sha256');
  hash.update(interceptorModules.join('\n'));
  const sdk = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8')) as { version: string };
  hash.update(sdk.version);
  for (const file of sourceFiles(path.join(PACKAGE_ROOT, 'src')).sort()) {
    hash.update(file.slice(PACKAGE_ROOT.length));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The workflow bundle, built with the SDK's bundler once per version of the source and
 * cached on disk, so a restart does not pay for webpack again.
 */
export async function loadWorkflowBundle(logger: Logger, options: { workflowInterceptorModules?: string[] } = {}): Promise<{ code: string }> {
  const workflowInterceptorModules = options.workflowInterceptorModules ?? [];
  const file = path.join(BUNDLE_DIR, `workflows-${fingerprint(workflowInterceptorModules)}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const started = performance.now();
  const sdkLog = logger.child({ component: 'bundler' });
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: (message) => sdkLog.debug(message),
      warn: (message, meta) => sdkLog.warn(meta ?? {}, message),
      error: (message, meta) => sdkLog.error(meta ?? {}, message),
    },
  });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  logger.info({ ms: Math.round(performance.now() - started), file }, 'workflow bundle built');
  return { code };
}
