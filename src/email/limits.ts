/**
 * Every limit the email channel works within, in one place (see docs/channels.md).
 */

/** Longest text of one mail Mycel sends; a longer message goes out as several mails. */
export const EMAIL_MAX_MESSAGE_CHARS = 100_000;
/** Bytes of a received message fetched from IMAP; the rest of a larger message is not read. */
export const EMAIL_MAX_SOURCE_BYTES = 1024 * 1024;
/** Longest subject Mycel writes on a mail that is not a reply (characters of the text's first line). */
export const EMAIL_MAX_SUBJECT_CHARS = 78;
/** Message ids kept in the `References` header of a reply (the first and the most recent ones). */
export const EMAIL_MAX_REFERENCES = 20;
/** Messages fetched from IMAP and committed to the inbox in one go. */
export const EMAIL_FETCH_BATCH = 50;
/** Back-off of the IMAP connection after it failed or closed: from the first to the last wait (ms). */
export const EMAIL_RECONNECT_BACKOFF_MS = [500, 60_000] as const;
/** Quiet time after the last command before IDLE starts again (ms): mail that comes in between is announced when it does. */
export const EMAIL_IDLE_AFTER_MS = 300;
/** IDLE is restarted this often (ms), as RFC 2177 asks (servers drop it after 30 minutes). */
export const EMAIL_IDLE_RESTART_MS = 5 * 60 * 1000;
/** Time limits of the SMTP connection, greeting and socket (ms). */
export const EMAIL_SMTP_TIMEOUT_MS = 30_000;
