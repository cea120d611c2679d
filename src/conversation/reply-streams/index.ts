import type { Logger } from '../../logging/logger.js';
import type { Store } from '../../storage/database.js';
import { ListenNotifyTransport } from './listen-notify.js';
import { SharedReplyStreams } from './shared.js';
import { TablePollTransport } from './table-poll.js';
import type { ReplyTransport } from './transport.js';

/** The transport the store's dialect offers for reply parts (its `replyFeed` capability). */
export function replyTransportFor(store: Store, databaseUrl: string, logger: Logger): ReplyTransport {
  switch (store.capabilities.replyFeed) {
    case 'listen-notify':
      return new ListenNotifyTransport(store, databaseUrl, logger);
    case 'table-poll':
      return new TablePollTransport(store);
  }
}

export { SharedReplyStreams };
