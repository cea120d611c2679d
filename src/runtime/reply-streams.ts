import { InProcessReplyStreams, type ReplyStreams } from '../conversation/reply-stream.js';
import { replyTransportFor, SharedReplyStreams } from '../conversation/reply-streams/index.js';
import type { Logger } from '../logging/logger.js';
import type { Component } from './lifecycle.js';
import type { MycelProcess, ProcessParts } from './processes.js';

/**
 * The reply streams of a process: in-process when it runs both the worker and the gateway
 * (`mycel start`), shared through the database when it runs one of them (`mycel worker`,
 * `mycel gateway`), so that a gateway's followers see the parts a worker's brain steps write.
 */
export function replyStreamsFor(parts: ProcessParts, logger: Logger): ReplyStreams {
  return parts.worker && parts.gateway ? new InProcessReplyStreams() : new SharedReplyStreams(logger.child({ component: 'reply-streams' }));
}

/** Starts the shared reply streams once the database is open (none for in-process ones). */
export function replyStreamsComponent(proc: MycelProcess, parts: ProcessParts): Component | undefined {
  const replies = proc.replies;
  if (!(replies instanceof SharedReplyStreams)) return undefined;
  return {
    name: 'reply-streams',
    async start() {
      await replies.start(replyTransportFor(proc.store!, proc.config.databaseUrl, proc.logger), { follow: parts.gateway });
    },
    async stop() {
      await replies.close();
    },
  };
}
