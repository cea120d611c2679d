import { statSync } from 'node:fs';
import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';
import { loadPolicy, type ToolsPolicy } from './policy.js';

/**
 * Holds the tools policy of a process. Loaded (and validated) once at start; re-read when
 * the file changes, so an owner's edit applies without a restart. An invalid edit is
 * logged and the last valid policy stays in force.
 */
export class PolicyProvider {
  private policy: ToolsPolicy;
  private mtimeMs: number;

  constructor(
    private readonly file: string,
    private readonly logger?: Logger,
  ) {
    this.policy = loadPolicy(file);
    this.mtimeMs = statSync(file).mtimeMs;
  }

  get(): ToolsPolicy {
    try {
      const mtimeMs = statSync(this.file).mtimeMs;
      if (mtimeMs !== this.mtimeMs) {
        this.mtimeMs = mtimeMs;
        this.policy = loadPolicy(this.file);
        this.logger?.info({ file: this.file }, 'tools policy reloaded');
      }
    } catch (err) {
      this.logger?.error({ file: this.file }, `tools policy not reloaded, keeping the last valid one: ${formatError(err)}`);
    }
    return this.policy;
  }
}
