import type { Store } from '../storage/database.js';

/** Where reading a mailbox stands: the highest UID committed to the inbox, under a UIDVALIDITY. */
export interface MailboxCursor {
  uidValidity: string;
  lastUid: number;
}

export async function readCursor(store: Store, account: string, mailbox: string): Promise<MailboxCursor | undefined> {
  const row = await store.db.selectFrom('email_cursor').select(['uid_validity', 'last_uid']).where('account', '=', account).where('mailbox', '=', mailbox).executeTakeFirst();
  return row ? { uidValidity: row.uid_validity, lastUid: Number(row.last_uid) } : undefined;
}

/** Moves the cursor forward (never back, unless the UIDVALIDITY changed). */
export async function writeCursor(store: Store, account: string, mailbox: string, cursor: MailboxCursor): Promise<void> {
  const now = new Date().toISOString();
  await store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('email_cursor').select(['uid_validity', 'last_uid']).where('account', '=', account).where('mailbox', '=', mailbox).executeTakeFirst();
    if (!row) {
      await trx.insertInto('email_cursor').values({ account, mailbox, uid_validity: cursor.uidValidity, last_uid: cursor.lastUid, updated_at: now }).execute();
      return;
    }
    if (row.uid_validity === cursor.uidValidity && Number(row.last_uid) >= cursor.lastUid) return;
    await trx.updateTable('email_cursor').set({ uid_validity: cursor.uidValidity, last_uid: cursor.lastUid, updated_at: now }).where('account', '=', account).where('mailbox', '=', mailbox).execute();
  });
}
