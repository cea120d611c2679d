import { MycelError } from '../shared/errors.js';
import type { ChatRef } from '../shared/envelope.js';
import type { Queryable } from './transcript.js';

/** Settings of one chat; each falls back to the configuration's default when unset. */
export interface ChatSettings {
  /** IANA time zone in which the person's times ("17:30") are read and shown. */
  timeZone: string;
}

/** A time zone name that `Intl` does not know. */
export class InvalidTimeZoneError extends MycelError {
  constructor(zone: string) {
    super('TIME_ZONE_INVALID', `"${zone}" is not an IANA time zone.`, 'use a name such as Europe/Berlin, America/New_York or UTC');
    this.name = 'InvalidTimeZoneError';
  }
}

/** The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or undefined. */
export function canonicalTimeZone(zone: string): string | undefined {
  const trimmed = zone.trim();
  if (!trimmed) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * A chat's settings. `defaults` is usually the configuration (`config.timeZone` is the
 * MYCEL_TIMEZONE default), so callers write `getChatSettings(deps.store, chat, deps.config)`.
 */
export async function getChatSettings(store: Queryable, chat: ChatRef, defaults: { timeZone: string }): Promise<ChatSettings> {
  const row = await store.db
    .selectFrom('chat_settings')
    .select(['time_zone'])
    .where('channel', '=', chat.channel)
    .where('chat_id', '=', chat.chatId)
    .executeTakeFirst();
  return { timeZone: row?.time_zone ?? defaults.timeZone };
}

/** Sets a chat's time zone; throws InvalidTimeZoneError for an unknown zone. Returns the canonical name. */
export async function setChatTimeZone(store: Queryable, chat: ChatRef, timeZone: string): Promise<string> {
  const zone = canonicalTimeZone(timeZone);
  if (!zone) throw new InvalidTimeZoneError(timeZone);
  const now = new Date().toISOString();
  await store.db
    .insertInto('chat_settings')
    .values({ channel: chat.channel, chat_id: chat.chatId, time_zone: zone, updated_at: now })
    .onConflict((oc) => oc.columns(['channel', 'chat_id']).doUpdateSet({ time_zone: zone, updated_at: now }))
    .execute();
  return zone;
}
