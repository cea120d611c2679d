import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logging/logger.js';
import { openMigratedDatabase, type Store } from '../../storage/database.js';
import { testDialects } from '../../../test/support/databases.js';
import type { ReplyStreamMessage } from '../reply-stream.js';
import { ListenNotifyTransport, MAX_NOTIFY_PAYLOAD_BYTES, notifyPayloads } from './listen-notify.js';
import { replyTransportFor, SharedReplyStreams } from './index.js';
import { TablePollTransport } from './table-poll.js';
import { coalesce } from './transport.js';

const chat = { channel: 'web' as const, chatId: 'c1' };
const delta = (text: string, turnKey = 't1', on = chat): ReplyStreamMessage => ({ chat: on, turnKey, event: { type: 'delta', text } });
const reset = (turnKey = 't1'): ReplyStreamMessage => ({ chat, turnKey, event: { type: 'reset' } });

describe('reply parts on the wire', () => {
  it('joins consecutive parts of one turn, and keeps resets and other turns apart', () => {
    const joined = coalesce([delta('a'), delta('b'), reset(), delta('c'), delta('d', 't2'), delta('e', 't2')]);
    expect(joined.map((m) => [m.turnKey, m.event])).toEqual([
      ['t1', { type: 'delta', text: 'ab' }],
      ['t1', { type: 'reset' }],
      ['t1', { type: 'delta', text: 'c' }],
      ['t2', { type: 'delta', text: 'de' }],
    ]);
  });

  it('cuts a part too long for one PostgreSQL notification into several that spell the same text', () => {
    const text = `${'héllo wörld 🍄 '.repeat(1_500)}\u0001\u0002"quoted"`;
    const payloads = notifyPayloads(delta(text));
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
    expect(payloads.map((p) => JSON.parse(p).x).join('')).toBe(text);
    expect(notifyPayloads(delta('short'))).toHaveLength(1);
  });
});

describe.each(testDialects())('reply parts shared between processes through $name', (dialect) => {
  let url: string;
  let dispose: () => Promise<void>;
  let writerStore: Store;
  let readerStore: Store;
  let writer: SharedReplyStreams;
  let reader: SharedReplyStreams;

  beforeAll(async () => {
    ({ url, dispose } = await dialect.create());
    // Two stores on one database, as a worker and a gateway process have.
    writerStore = await openMigratedDatabase(url);
    readerStore = await openMigratedDatabase(url);
    writer = new SharedReplyStreams(silentLogger());
    reader = new SharedReplyStreams(silentLogger());
    await writer.start(replyTransportFor(writerStore, url, silentLogger()), { follow: false });
    await reader.start(replyTransportFor(readerStore, url, silentLogger()), { follow: true });
  });
  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await writerStore?.close();
    await readerStore?.close();
    await dispose?.();
  });

  it('uses the transport the dialect offers', () => {
    const transport = replyTransportFor(readerStore, url, silentLogger());
    expect(transport).toBeInstanceOf(dialect.name === 'postgres' ? ListenNotifyTransport : TablePollTransport);
  });

  it('hands a follower in another process the parts of its chat, in order, long ones whole', async () => {
    const seen: ReplyStreamMessage[] = [];
    const other: ReplyStreamMessage[] = [];
    const stop = reader.subscribe(chat, (m) => seen.push(m));
    const stopOther = reader.subscribe({ channel: 'telegram', chatId: 'c1' }, (m) => other.push(m));
    const long = 'x'.repeat(20_000);
    const sent = [delta('Hello'), delta(', '), reset(), delta('again '), delta(long), delta('!')];
    for (const m of sent) writer.publish(m);
    writer.publish(delta('not for this chat', 't9', { channel: 'web', chatId: 'c2' }));
    await writer.flush();
    await reader.catchUp();
    stop();
    stopOther();
    let text = '';
    for (const m of seen) text = m.event.type === 'reset' ? '' : text + m.event.text;
    expect(text).toBe(`again ${long}!`);
    expect(seen.map((m) => m.event.type)).toContain('reset');
    expect(seen.every((m) => m.chat.chatId === 'c1' && m.turnKey === 't1')).toBe(true);
    expect(other).toEqual([]);
  });

  it.runIf(dialect.name === 'sqlite')('prunes parts older than the retention', async () => {
    const transport = new TablePollTransport(writerStore, { retentionMs: 0 });
    await writerStore.db.insertInto('reply_parts').values({ channel: 'web', chat_id: 'old', turn_key: 'k', kind: 'd', text: 'x', at: Date.now() - 1_000 }).execute();
    await transport.send([delta('fresh', 't3')]);
    const rows = await writerStore.db.selectFrom('reply_parts').select('chat_id').execute();
    expect(rows.map((r) => r.chat_id)).not.toContain('old');
  });
});
