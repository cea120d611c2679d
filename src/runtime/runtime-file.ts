import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A running `mycel start` writes where it can be reached into `<data dir>/runtime.json`,
 * so that other commands (`chat`, `doctor`, `pipelines`, `approvals`) find the embedded
 * Temporal server and the HTTP API without being told.
 */
export interface RuntimeInfo {
  pid: number;
  temporalAddress: string;
  embeddedTemporal: boolean;
  temporalUiUrl?: string | undefined;
  httpUrl?: string | undefined;
  startedAt: string;
}

export function runtimeFilePath(dataDir: string): string {
  return path.join(dataDir, 'runtime.json');
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFilePath(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** The runtime file of a live process, or undefined when none runs on this data dir. */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export function removeRuntimeInfo(dataDir: string, pid = process.pid): void {
  try {
    const info = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
    if (info.pid === pid) rmSync(runtimeFilePath(dataDir), { force: true });
  } catch {
    // Nothing to remove.
  }
}
