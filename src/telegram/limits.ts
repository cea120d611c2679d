/**
 * Every limit the Telegram channel works within, in one place (see docs/telegram.md).
 * Telegram's own limits come first; Mycel's choices follow.
 */

/** Longest text of one message, as Telegram counts it (UTF-16 code units after entities). */
export const TELEGRAM_MAX_MESSAGE_CHARS = 4096;
/** Largest `callback_data` of an inline button, in bytes. */
export const TELEGRAM_MAX_CALLBACK_DATA_BYTES = 64;
/** Telegram holds undelivered updates for 24 hours; the inbox keeps handled rows longer than that. */
export const TELEGRAM_UPDATE_HOLD_HOURS = 24;

/** Sends to one private chat: at most one message per this many ms (Telegram: ~1 msg/s). */
export const PER_CHAT_INTERVAL_MS = 1_000;
/** Sends to one group: 20 messages a minute, spaced evenly. */
export const PER_GROUP_INTERVAL_MS = 3_000;
/** Sends across all chats: at most this many a second (Telegram: ~30 msg/s). */
export const GLOBAL_MESSAGES_PER_SECOND = 30;
/** Longest `retry_after` a send waits for in-process; a longer one fails the attempt so Temporal retries it later. */
export const MAX_RETRY_AFTER_S = 10;
/** Retries of one API call (after a 429 or a 5xx) before the error is thrown. */
export const MAX_API_RETRIES = 2;

/** How long a `getUpdates` long poll is held open (s); below the request timeout of the client. */
export const POLL_TIMEOUT_S = 10;
/** Updates fetched per `getUpdates`. */
export const POLL_LIMIT = 100;
/** Back-off after a failed `getUpdates`: from the first to the last value (ms), doubling. */
export const POLL_BACKOFF_MS = [500, 30_000] as const;

/** A typing indicator lasts 5 s on Telegram; it is renewed this often while a turn runs. */
export const TYPING_REFRESH_MS = 4_000;

/** Chats whose updates are handled at the same time (one update at a time per chat). */
export const DISPATCH_CONCURRENCY = 16;
/** How often the inbox is re-read for rows another process committed (webhook behind several gateways). */
export const INBOX_POLL_MS = 1_000;
/** Back-off of an inbox row whose handling failed transiently: from the first to the last value (ms). */
export const INBOX_RETRY_BACKOFF_MS = [250, 30_000] as const;
/** Handled inbox rows (and send records) are deleted after this many days; well past Telegram's 24 h redelivery. */
export const INBOX_RETENTION_DAYS = 7;
/** Largest webhook body accepted (a Telegram update is a few KB). */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
/** The update types Mycel asks Telegram for (polling and webhook alike). */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'] as const;
/** Longest `data` of a button given to the sender (stored in the database, not sent to Telegram). */
export const MAX_BUTTON_DATA_CHARS = 1_024;

/**
 * Showing a reply as it is written (drafts, or edits of one placeholder message). Drafts and
 * edits count against the chat's budget like messages: at most one update per interval.
 */
export const LIVE_REPLY_LIMITS = {
  /** Least time between two updates of the shown text in one chat (ms), from the end of the previous one. */
  intervalMs: 1_000,
  /** Nothing is shown before the reply has been written for this long (ms): a quick reply comes whole. */
  firstDelayMs: 700,
  /** Nor before the text has this many characters (no placeholder saying "I"). */
  firstMinChars: 16,
  /** The shown text is updated only when it grew by at least this many characters (or changed otherwise). */
  minGrowthChars: 12,
  /** How long closing waits for an update in flight before aborting it (ms). */
  closeWaitMs: 5_000,
} as const;
export type LiveReplyLimits = { [K in keyof typeof LIVE_REPLY_LIMITS]: number };
