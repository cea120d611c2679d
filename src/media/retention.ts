import type { Logger } from '../logging/logger.js';
import type { Component } from '../runtime/lifecycle.js';
import { formatError } from '../shared/errors.js';
import { sweepMedia } from './store.js';

/** How often stored media older than MYCEL_MEDIA_RETENTION_DAYS are looked for and deleted. */
export const MEDIA_SWEEP_INTERVAL_MS = 6 * 60 * 60 * 1000;

/**
 * Deletes stored photos and voice notes past the retention limit: once at start, then every
 * MEDIA_SWEEP_INTERVAL_MS. A sweep that fails is logged and tried again at the next interval.
 */
export function mediaRetentionComponent(options: { dataDir: string; retentionDays: number; logger: Logger }): Component {
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      const removed = await sweepMedia(options.dataDir, options.retentionDays);
      if (removed) options.logger.info({ removed, retentionDays: options.retentionDays }, 'deleted stored media past the retention limit');
    } catch (err) {
      options.logger.warn(`media retention sweep failed: ${formatError(err)}`);
    }
  };
  return {
    name: 'media-retention',
    async start() {
      await sweep();
      timer = setInterval(() => void sweep(), MEDIA_SWEEP_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
