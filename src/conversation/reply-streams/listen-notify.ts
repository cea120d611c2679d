import pg from 'pg';
import { sql } from 'kysely';
import type { Logger } from '../../logging/logger.js';
import { formatError } from '../../shared/errors.js';
import type { Store } from '../../storage/database.js';
import type { ReplyStreamMessage } from '../reply-stream.js';
import { parseWire, toWire, type ReplyTransport, type WirePart } from './transport.js';

/** The PostgreSQL channel reply parts travel on. */
export const REPLY_NOTIFY_CHANNEL = 'mycel_reply_parts';
/**
 * Largest payload of one notification Mycel sends (bytes). PostgreSQL refuses more than
 * 8000; a longer part is cut into several, which spell the same text.
 */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_500;
/** Wait before the listening connection is opened again after it was lost (ms). */
export const LISTEN_RECONNECT_MS = 1_000;

/** The payloads of one part, its text cut so that each fits a notification. */
export function notifyPayloads(message: ReplyStreamMessage, maxBytes = MAX_NOTIFY_PAYLOAD_BYTES): string[] {
  const wire = toWire(message);
  const whole = JSON.stringify(wire);
  if (Buffer.byteLength(whole) <= maxBytes || wire.x === undefined) return [whole];
  const head = Buffer.byteLength(JSON.stringify({ ...wire, x: '' }));
  if (head >= maxBytes) throw new Error(`a reply part's chat id and turn key do not fit a notification (${head} bytes)`);
  const payloads: string[] = [];
  let piece = '';
  let size = head;
  for (const ch of wire.x) {
    // JSON-escaped size of one code point (a control character takes up to 6 bytes).
    const cost = Buffer.byteLength(JSON.stringify(ch)) - 2;
    if (size + cost > maxBytes) {
      payloads.push(JSON.stringify({ ...wire, x: piece } satisfies WirePart));
      piece = '';
      size = head;
    }
    piece += ch;
    size += cost;
  }
  if (piece) payloads.push(JSON.stringify({ ...wire, x: piece } satisfies WirePart));
  return payloads;
}

/**
 * Reply parts over PostgreSQL's LISTEN/NOTIFY: the worker sends `pg_notify` through the
 * pool, one part after another (each commits before the next, so they arrive in order);
 * a gateway holds one connection of its own that listens, and opens it again if it is lost
 * (parts sent meanwhile are missed; followers then get the whole reply at the end).
 */
export class ListenNotifyTransport implements ReplyTransport {
  private client: pg.Client | undefined;
  private onMessage: ((message: ReplyStreamMessage) => void) | undefined;
  private closed = false;
  private reconnect: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  async send(messages: ReplyStreamMessage[]): Promise<void> {
    for (const message of messages) {
      for (const payload of notifyPayloads(message)) await sql`select pg_notify(${REPLY_NOTIFY_CHANNEL}, ${payload})`.execute(this.store.db);
    }
  }

  async listen(onMessage: (message: ReplyStreamMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    await this.connect();
  }

  async catchUp(): Promise<void> {
    // Notifications committed before this round trip reach the client ahead of its answer.
    await this.client?.query('select 1').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (note) => {
      if (note.channel !== REPLY_NOTIFY_CHANNEL || !note.payload) return;
      let raw: unknown;
      try {
        raw = JSON.parse(note.payload);
      } catch {
        return;
      }
      const message = parseWire(raw);
      if (message) this.onMessage?.(message);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${REPLY_NOTIFY_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.logger.warn(`the connection that follows reply parts was lost, opening it again: ${formatError(err)}`);
    const retry = () => {
      this.reconnect = setTimeout(() => {
        if (this.closed) return;
        this.connect().catch((e) => {
          this.logger.debug(`following reply parts: ${formatError(e)}`);
          retry();
        });
      }, LISTEN_RECONNECT_MS);
      this.reconnect.unref();
    };
    retry();
  }
}
