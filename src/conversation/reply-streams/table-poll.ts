import type { Store } from '../../storage/database.js';
import type { ReplyStreamMessage } from '../reply-stream.js';
import { parseWire, toWire, type ReplyTransport } from './transport.js';

/** How often a following process reads new reply parts (ms). */
export const REPLY_PARTS_POLL_MS = 100;
/** Parts read per query; a full page is followed at once by the next. */
export const REPLY_PARTS_PAGE = 500;
/** Parts are kept this long (ms), well past any follower's poll, then pruned by the writer. */
export const REPLY_PARTS_RETENTION_MS = 60_000;
/** The writer prunes at most this often (ms). */
const PRUNE_EVERY_MS = 10_000;

/**
 * Reply parts through a table of recent parts (`reply_parts`), for SQLite, which has no
 * notifications: the worker appends each batch in one insert (ids keep their order) and
 * prunes rows older than a minute; a gateway reads the rows after the last id it saw every
 * `REPLY_PARTS_POLL_MS`, starting from the newest row when it starts to listen.
 */
export class TablePollTransport implements ReplyTransport {
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private onMessage: ((message: ReplyStreamMessage) => void) | undefined;
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly options: { pollMs?: number; retentionMs?: number } = {},
  ) {}

  async send(messages: ReplyStreamMessage[]): Promise<void> {
    if (!messages.length) return;
    const at = Date.now();
    const rows = messages.map((m) => {
      const wire = toWire(m);
      return { channel: wire.c, chat_id: wire.i, turn_key: wire.k, kind: wire.e, text: wire.x ?? '', at };
    });
    await this.store.db.insertInto('reply_parts').values(rows).execute();
    if (at - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = at;
      await this.store.db.deleteFrom('reply_parts').where('at', '<', at - (this.options.retentionMs ?? REPLY_PARTS_RETENTION_MS)).execute();
    }
  }

  async listen(onMessage: (message: ReplyStreamMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    const newest = await this.store.db.selectFrom('reply_parts').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    this.cursor = Number(newest?.id ?? 0);
    this.timer = setInterval(() => {
      if (!this.polling) void this.catchUp().catch(() => undefined);
    }, this.options.pollMs ?? REPLY_PARTS_POLL_MS);
    this.timer.unref();
  }

  /** One read of new rows (or the one under way, and then another). */
  async catchUp(): Promise<void> {
    if (!this.onMessage) return;
    while (this.polling) await this.polling;
    this.polling = this.poll().finally(() => (this.polling = undefined));
    await this.polling;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.onMessage = undefined;
    while (this.polling) await this.polling.catch(() => undefined);
  }

  private async poll(): Promise<void> {
    for (;;) {
      const rows = await this.store.db.selectFrom('reply_parts').selectAll().where('id', '>', this.cursor).orderBy('id').limit(REPLY_PARTS_PAGE).execute();
      for (const row of rows) {
        this.cursor = Number(row.id);
        const message = parseWire({ c: row.channel, i: row.chat_id, k: row.turn_key, e: row.kind, x: row.text });
        if (message) this.onMessage?.(message);
      }
      if (rows.length < REPLY_PARTS_PAGE) return;
    }
  }
}
