import { InProcessReplyStreams, type ReplyStreams } from '../conversation/reply-stream.js';
import { replyTransportFor, SharedReplyStreams } from '../conversation/reply-streams/index.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../storage/database.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * The reply streams of a process: in-process when it runs both the worker and the gateway
 * (`mycel start`); shared through the database when it runs one of them (`mycel worker`,
 * `mycel gateway`), so that a gateway's followers see the parts a worker's brain steps write.
 * Opened once the database is, and closed before it (pending parts leave first).
 */
export async function openReplyStreams(lifecycle: Lifecycle, parts: { worker: boolean; gateway: boolean }, store: Store, databaseUrl: string, logger: Logger): Promise<ReplyStreams> {
  if (parts.worker && parts.gateway) return new InProcessReplyStreams();
  return lifecycle.open({
    name: 'reply-streams',
    async start() {
      const shared = new SharedReplyStreams(logger.child({ component: 'reply-streams' }));
      await shared.start(replyTransportFor(store, databaseUrl, logger), { follow: parts.gateway });
      return shared;
    },
    stop: (shared) => shared.close(),
  });
}
