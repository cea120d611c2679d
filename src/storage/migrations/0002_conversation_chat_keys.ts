import { sql } from 'kysely';
import type { MigrationFactory } from './types.js';

/**
 * Conversation dedupe records, scoped to their chat: an API messageId is the client's and only
 * unique within a chat, so its key becomes `web:api:<chatId>/<messageId>` (it was
 * `web:api:<messageId>`, and the same id in another chat got that chat's reply). Existing
 * web records are rewritten to the new form under the chat they were recorded for, so a
 * retry of a message sent before the upgrade still finds its reply. Telegram keys
 * (`telegram:<bot>:<update_id>`) are unique per bot and stay. `text_hash` keeps a hash of
 * the message's text, so the same key with other text can be refused (409); records made
 * before have none and are taken as the same text.
 */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema.alterTable('turn_dedupe').addColumn('text_hash', 'text').execute();
    await sql`UPDATE turn_dedupe SET key = 'web:api:' || chat_id || '/' || substr(key, 9)
      WHERE channel = 'web' AND key LIKE 'web:api:%' AND key NOT LIKE '%/%'`.execute(db);
  },
});

export default migration;
