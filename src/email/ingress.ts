import { ImapFlow, type FetchMessageObject } from 'imapflow';
import type { ChannelCommitResult, InboundEventRecord } from '../channels/inbox.js';
import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';
import type { Store } from '../storage/database.js';
import { readCursor, writeCursor, type MailboxCursor } from './cursor.js';
import { EMAIL_FETCH_BATCH, EMAIL_IDLE_AFTER_MS, EMAIL_IDLE_RESTART_MS, EMAIL_MAX_SOURCE_BYTES, EMAIL_RECONNECT_BACKOFF_MS } from './limits.js';
import { mailEventId, parseMail } from './message.js';
import type { ImapServer } from './servers.js';

export interface ImapIngressDeps {
  server: ImapServer;
  store: Store;
  /** The address Mycel reads for (the inbox account and the cursor's key). */
  account: string;
  logger: Logger;
  /** Commits events to the channel inbox (durably) and wakes the dispatcher. */
  commit(events: InboundEventRecord[]): Promise<ChannelCommitResult>;
}

/**
 * Email ingress: reads one mailbox over IMAP and commits every new mail to the channel
 * inbox, keyed by its Message-ID, before it marks the mail `\Seen`; only then does the
 * cursor (the highest UID taken, per UIDVALIDITY, in `email_cursor`) move. New mail is
 * heard through IDLE. On (re)connect it fetches everything after the cursor, so mail that
 * came while Mycel was away is not lost; the first time (or after a UIDVALIDITY change) it
 * takes the unseen mail only. A lost connection is retried with back-off, forever.
 */
export class ImapIngress {
  private stopping = false;
  private client: ImapFlow | undefined;
  private loop: Promise<void> | undefined;
  private pulling: Promise<void> = Promise.resolve();
  private pullAgain = false;
  private wakeSleep: (() => void) | undefined;
  /** Resolves once the first pass over the mailbox is done (tests). */
  ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly deps: ImapIngressDeps) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleep?.();
    await this.client?.logout().catch(() => this.client?.close());
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.session(() => (failures = 0));
      } catch (err) {
        if (this.stopping) break;
        failures += 1;
        this.deps.logger.warn({ attempt: failures }, `the IMAP connection failed: ${formatError(err)}`);
      }
      if (this.stopping) break;
      const [first, last] = EMAIL_RECONNECT_BACKOFF_MS;
      await this.sleep(Math.min(last, first * 2 ** Math.max(0, failures - 1)));
    }
  }

  /** One connection: catch up, then listen (IDLE) until the connection closes. */
  private async session(connected: () => void): Promise<void> {
    const { server, logger } = this.deps;
    const client = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: server.secure,
      auth: { user: server.user, pass: server.pass },
      logger: false,
      maxIdleTime: EMAIL_IDLE_RESTART_MS,
      autoIdleDelay: EMAIL_IDLE_AFTER_MS,
    });
    this.client = client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', (err: unknown) => logger.warn(`IMAP: ${formatError(err)}`));
    try {
      await client.connect();
      const mailbox = await client.mailboxOpen(server.mailbox);
      connected();
      const uidValidity = String(mailbox.uidValidity);
      client.on('exists', () => this.kick(client, uidValidity));
      // Through the same queue as the pulls IDLE asks for: one pull at a time.
      const first = this.pulling.then(() => this.pull(client, uidValidity, mailbox.uidNext));
      this.pulling = first.catch(() => undefined);
      await first;
      this.markReady();
      logger.info({ mailbox: server.mailbox, host: server.host }, 'reading the mailbox (IDLE)');
      await closed;
    } finally {
      if (!this.stopping) client.close();
    }
    if (!this.stopping) throw new Error('the IMAP server closed the connection');
  }

  /** New mail was announced: pull it, one pull at a time. */
  private kick(client: ImapFlow, uidValidity: string): void {
    if (this.pullAgain) return;
    this.pullAgain = true;
    this.pulling = this.pulling
      .then(async () => {
        this.pullAgain = false;
        if (!this.stopping && client.usable) await this.pull(client, uidValidity);
      })
      .catch((err) => {
        this.deps.logger.warn(`reading new mail failed; closing the connection to start again: ${formatError(err)}`);
        client.close();
      });
  }

  /** Commits every mail after the cursor, oldest first, and moves the cursor. */
  private async pull(client: ImapFlow, uidValidity: string, uidNext?: number): Promise<void> {
    const { store, account, server } = this.deps;
    const cursor = await readCursor(store, account, server.mailbox);
    let uids: number[];
    let floor: MailboxCursor;
    if (cursor && cursor.uidValidity === uidValidity) {
      floor = cursor;
      uids = ((await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true })) || []).filter((uid) => uid > cursor.lastUid);
    } else {
      // First time here (or the mailbox was rebuilt): the unseen mail only, then everything new.
      floor = { uidValidity, lastUid: 0 };
      uids = (await client.search({ seen: false }, { uid: true })) || [];
      if (cursor) this.deps.logger.warn({ mailbox: server.mailbox }, 'the mailbox UIDVALIDITY changed: reading its unseen mail again (already handled mail is dropped as a duplicate)');
    }
    uids.sort((a, b) => a - b);
    for (let i = 0; i < uids.length; i += EMAIL_FETCH_BATCH) {
      const batch = uids.slice(i, i + EMAIL_FETCH_BATCH);
      const messages = await client.fetchAll(batch.join(','), { uid: true, source: { maxLength: EMAIL_MAX_SOURCE_BYTES } }, { uid: true });
      messages.sort((a, b) => a.uid - b.uid);
      await this.take(client, uidValidity, messages);
      const last = batch.at(-1)!;
      if (last > floor.lastUid) await writeCursor(store, account, server.mailbox, { uidValidity, lastUid: last });
    }
    // Only once the unseen mail is in: older, already seen mail is never read.
    if (floor.lastUid === 0 && uidNext !== undefined && uidNext > 1) await writeCursor(store, account, server.mailbox, { uidValidity, lastUid: uidNext - 1 });
  }

  /** Commits a batch to the inbox, then marks it seen. */
  private async take(client: ImapFlow, uidValidity: string, messages: FetchMessageObject[]): Promise<void> {
    const { server, logger } = this.deps;
    const events: InboundEventRecord[] = [];
    for (const message of messages) {
      if (!message.source) continue;
      const mail = await parseMail(message.source, { mailbox: server.mailbox, uid: `${uidValidity}:${message.uid}` });
      if (!mail) {
        logger.warn({ uid: message.uid }, 'a mail without a sender address: left unread');
        continue;
      }
      events.push({ eventId: mailEventId(mail), chatId: mail.from, kind: mail.automated ? 'automated' : 'mail', payload: mail });
    }
    if (events.length) {
      const result = await this.deps.commit(events);
      logger.debug({ ...result }, 'mail committed to the inbox');
    }
    if (messages.length) await client.messageFlagsAdd(messages.map((m) => m.uid).join(','), ['\\Seen'], { uid: true });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}
