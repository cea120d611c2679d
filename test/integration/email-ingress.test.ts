import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitEvents, type InboundEventRecord } from '../../src/channels/inbox.js';
import { readCursor } from '../../src/email/cursor.js';
import { ImapIngress } from '../../src/email/ingress.js';
import { imapServer } from '../../src/email/servers.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { Store } from '../../src/storage/database.js';
import { freshStore, testDialects } from '../support/databases.js';
import { DOVECOT_AVAILABLE, DOVECOT_SKIP_REASON, MailStandIn } from '../support/mail-server.js';
import { waitFor } from '../support/wait.js';

if (!DOVECOT_AVAILABLE) console.warn(DOVECOT_SKIP_REASON);

/** The IMAP side alone, against Dovecot: what is committed, when, and what survives a restart. */
describe.skipIf(!DOVECOT_AVAILABLE).each(testDialects())('email ingress over IMAP (Dovecot), on $name', (dialect) => {
  let mail: MailStandIn;
  let store: Store;
  let dispose: () => Promise<void>;
  let mycel: string;
  let ada: string;
  const local = 'mycel';

  beforeAll(async () => {
    mail = await MailStandIn.start();
    ({ store, dispose } = await freshStore(dialect));
    mycel = mail.addUser(local);
    ada = mail.addUser('ada');
  });
  afterAll(async () => {
    await dispose?.();
    await mail?.stop();
  });

  /** An ingress on Mycel's mailbox; `commit` sees each batch (with the mailbox as it stands then). */
  function ingress(commit: (events: InboundEventRecord[]) => Promise<void> = async () => undefined) {
    const url = mail.env(local, []).MYCEL_EMAIL_IMAP_URL!;
    return new ImapIngress({
      server: imapServer(url),
      store,
      account: mycel,
      logger: silentLogger(),
      async commit(events) {
        await commit(events);
        return commitEvents(store, 'email', mycel, events);
      },
    });
  }
  const send = async (subject: string, text = 'hello') => {
    const raw = await mail.compose({ from: ada, to: mycel, subject, text });
    await mail.submit(raw, { from: ada, to: mycel });
    return raw;
  };
  const inbox = () => store.db.selectFrom('channel_inbox').select(['event_id', 'payload', 'duplicates']).where('channel', '=', 'email').orderBy('received_at').execute();
  const subjects = async () => (await inbox()).map((r) => JSON.parse(r.payload).subject as string);

  it('takes only unseen mail the first time, commits each mail before it marks it seen, hears new mail through IDLE, and catches up after a restart', async () => {
    await send('read before Mycel came');
    const [old] = await mail.readMailbox(local);
    await mail.markSeen(local, old!.uid);
    await send('unseen before Mycel came');

    const seenAtCommit: boolean[] = [];
    const first = ingress(async (events) => {
      const box = await mail.readMailbox(local);
      for (const e of events) seenAtCommit.push(box.find((m) => m.messageId === e.eventId)!.seen);
    });
    first.start();
    await first.ready;
    expect(await subjects()).toEqual(['unseen before Mycel came']);

    await send('while Mycel listens');
    await waitFor(async () => (await subjects()).length === 2, 20_000, 'the mail heard through IDLE');
    await first.stop();
    expect(seenAtCommit).toEqual([false, false]);
    expect((await mail.readMailbox(local)).map((m) => m.seen)).toEqual([true, true, true]);

    await send('while Mycel was away');
    const second = ingress();
    second.start();
    await second.ready;
    await second.stop();
    expect(await subjects()).toEqual(['unseen before Mycel came', 'while Mycel listens', 'while Mycel was away']);
    const box = await mail.readMailbox(local);
    expect(await readCursor(store, mycel, 'INBOX')).toMatchObject({ lastUid: box.at(-1)!.uid });
  });

  it('keys a mail by its Message-ID, so the same mail delivered twice is one event; a failed commit leaves the mail unseen and it is taken on the next connection', async () => {
    const raw = await send('twice');
    await mail.submit(raw, { from: ada, to: mycel });
    let failOnce = true;
    const taker = ingress(async () => {
      if (failOnce) {
        failOnce = false;
        throw new Error('the database is away');
      }
    });
    taker.start();
    await waitFor(async () => (await subjects()).includes('twice'), 20_000, 'the mail taken after the failed commit');
    await waitFor(async () => (await mail.readMailbox(local)).every((m) => m.seen), 20_000, 'every mail seen');
    await taker.stop();
    const rows = (await inbox()).filter((r) => JSON.parse(r.payload).subject === 'twice');
    expect(rows.map((r) => Number(r.duplicates))).toEqual([1]);
  });
});
