import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { outOfOrderCount } from '../../src/telegram/handler.js';
import { openMigratedDatabase } from '../../src/storage/database.js';
import { loadOffset } from '../../src/telegram/inbox.js';
import { countersQuery, type ConversationCounters } from '../../src/workflows/definitions.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';
import { TelegramStandIn, type TgUpdate } from '../support/telegram-server.js';

/** Fresh chat ids per run: the dev server (and its chat workflows) is shared by every test file. */
const BASE = 2_000_000 + Math.floor(Math.random() * 8_000_000) * 10;

function env(tg: TelegramStandIn, owners: number[]): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, MYCEL_OWNER_TELEGRAM_IDS: owners.join(',') };
}

async function settled(tg: TelegramStandIn, mycel: TestMycel): Promise<void> {
  await tg.waitFor(() => tg.pending().length === 0, 30_000, 'every update to be confirmed');
  await mycel.telegram().dispatcher.idle(60_000);
}

async function userLines(mycel: TestMycel, chat: number): Promise<string[]> {
  return (await listMessages(mycel.proc.store, { channel: 'telegram', chatId: String(chat) })).filter((l) => l.role === 'user').map((l) => l.text);
}

function counters(mycel: TestMycel, chat: number): Promise<ConversationCounters> {
  return mycel.proc.client.workflow.getHandle(`chat-telegram-${chat}`).query(countersQuery);
}

describe.each(testDialects().map((d, i) => ({ ...d, offset: i * 100 })))('Telegram replay on $name: duplicates and reordering', (dialect) => {
  it('yields exactly one turn per unique update, drops the duplicates and counts the out-of-order messages', async () => {
    const tg = await TelegramStandIn.start();
    const chats = [BASE + dialect.offset + 1, BASE + dialect.offset + 2, BASE + dialect.offset + 3];
    // Message ids as they arrive: 3 comes after 4, and 6 after 7 (two late messages per chat).
    const arrival = [1, 2, 4, 3, 5, 7, 6, 8];
    const unique: TgUpdate[] = [];
    for (const m of arrival) {
      for (const chat of chats) unique.push(tg.injectMessage({ from: tg.user(chat), text: `chat ${chat} message ${m}`, messageId: m }));
    }
    // Duplicates: the same update (same update_id) delivered again, once or twice.
    const duplicates = [unique[0]!, unique[4]!, unique[10]!, unique[10]!, unique[17]!, unique[23]!];
    for (const d of duplicates) tg.injectRaw(structuredClone(d));

    // The gateway starts with the whole stream waiting, as after a downtime.
    const mycel = await startTestMycel({ env: env(tg, chats), dialect });
    try {
      for (const chat of chats) await tg.waitForMessages(chat, arrival.length, { timeoutMs: 90_000 });
      await settled(tg, mycel);

      for (const chat of chats) {
        const expected = arrival.map((m) => `chat ${chat} message ${m}`);
        expect(await userLines(mycel, chat)).toEqual(expected);
        expect(tg.sentTo(chat)).toHaveLength(arrival.length);
        const c = await counters(mycel, chat);
        expect([c.turns, c.outOfOrder]).toEqual([arrival.length, 2]);
        expect(await outOfOrderCount(mycel.proc.store, String(tg.botId), String(chat))).toBe(2);
      }
      const rows = await mycel.proc.store.db.selectFrom('telegram_inbox').select(['status', 'duplicates']).where('bot_id', '=', String(tg.botId)).execute();
      expect(rows).toHaveLength(unique.length);
      expect(rows.every((r) => r.status === 'done')).toBe(true);
      expect(rows.reduce((n, r) => n + Number(r.duplicates), 0)).toBe(duplicates.length);
      const metrics = String((await mycel.api('/metrics')).body);
      expect(metrics).toMatch(new RegExp(`mycel_duplicates_dropped_total\\{channel="telegram"\\} ${duplicates.length}`));
    } finally {
      await mycel.stop();
      await tg.stop();
    }
  });
});

describe('Telegram gateway restart mid-stream', () => {
  it('resumes from the stored offset and loses or doubles nothing, also when it died after handing turns on', async () => {
    const tg = await TelegramStandIn.start();
    const chats = [BASE + 4, BASE + 5]; // replay uses BASE+1…3 and BASE+101…103
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mycel-tg-restart-'));
    const taskQueue = `test-tg-${randomBytes(4).toString('hex')}`;
    const start = () => startTestMycel({ env: env(tg, chats), dataDir, taskQueue });
    const inject = (from: number, to: number) => {
      for (let m = from; m <= to; m += 1) for (const chat of chats) tg.injectMessage({ from: tg.user(chat), text: `chat ${chat} note ${m}` });
    };
    const total = 12;
    let mycel = await start();
    try {
      inject(1, 8);
      await tg.waitFor(() => tg.sent.length >= 4 || undefined, 60_000, 'the first replies');
      // Stop mid-stream: polling stops, the turns in flight finish, the rest waits in Telegram or the inbox.
      await mycel.stop();
      const sentAtStop = tg.sent.length;
      expect(sentAtStop).toBeLessThan(2 * 8);
      inject(9, total);

      mycel = await start();
      for (const chat of chats) await tg.waitForMessages(chat, total, { timeoutMs: 90_000 });
      await settled(tg, mycel);
      for (const chat of chats) {
        expect(await userLines(mycel, chat)).toEqual(Array.from({ length: total }, (_, i) => `chat ${chat} note ${i + 1}`));
        expect(tg.sentTo(chat)).toHaveLength(total);
        expect((await counters(mycel, chat)).turns).toBe(total);
      }
      expect(await loadOffset(mycel.proc.store, String(tg.botId))).toBe(tg.confirmedUpTo + 1);
    } finally {
      await mycel.stop();
    }

    // The crash window: turns handed to Temporal, the gateway gone before it marked them
    // handled. On restart they are submitted again, and answered from the record, not re-run.
    const db = await openMigratedDatabase(mycel.config.databaseUrl);
    const redo = await db.db.selectFrom('telegram_inbox').select('update_id').where('bot_id', '=', String(tg.botId)).orderBy('update_id', 'desc').limit(3).execute();
    await db.db
      .updateTable('telegram_inbox')
      .set({ status: 'pending', handled_at: null })
      .where('bot_id', '=', String(tg.botId))
      .where('update_id', 'in', redo.map((r) => r.update_id))
      .execute();
    await db.close();

    const sentBefore = tg.sent.length;
    mycel = await start();
    try {
      await settled(tg, mycel);
      expect(tg.sent.length).toBe(sentBefore);
      for (const chat of chats) {
        expect(await userLines(mycel, chat)).toHaveLength(total);
        expect((await counters(mycel, chat)).turns).toBe(total);
      }
      const statuses = await mycel.proc.store.db.selectFrom('telegram_inbox').select('status').where('bot_id', '=', String(tg.botId)).execute();
      expect(statuses.every((r) => r.status === 'done')).toBe(true);
    } finally {
      await mycel.stop();
      await tg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
