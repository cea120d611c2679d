import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Why a path was refused, or the absolute path inside the sandbox. */
export type SandboxPath = { ok: true; absolute: string } | { ok: false; reason: string };

/**
 * Resolves a user-supplied relative path inside the sandbox folder. Refused: NUL bytes,
 * absolute paths, `~`, any `..` segment, and anything that leaves the sandbox through a
 * symlink (the deepest existing ancestor is resolved with realpath).
 */
export function resolveInSandbox(sandbox: string, input: string): SandboxPath {
  if (input.includes('\0')) return { ok: false, reason: 'the path contains a NUL byte' };
  if (path.isAbsolute(input) || input.startsWith('~')) return { ok: false, reason: `"${input}" is an absolute path; paths are relative to the sandbox folder` };
  if (input.split(/[\\/]+/).includes('..')) return { ok: false, reason: `"${input}" contains "..", which could leave the sandbox folder` };
  const root = realpathSync(sandbox);
  const absolute = path.resolve(root, input || '.');
  // Resolve the deepest part of the path that exists: a symlink anywhere in it counts.
  let existing = absolute;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    // A dangling symlink or a loop: where it leads cannot be shown to be inside.
    return { ok: false, reason: `"${input}" is a symlink that does not resolve, so it cannot be shown to stay inside the sandbox folder` };
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    return { ok: false, reason: `"${input}" leads outside the sandbox folder (through a symlink)` };
  }
  return { ok: true, absolute: path.join(real, path.relative(existing, absolute)) };
}
