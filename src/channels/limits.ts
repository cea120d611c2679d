/**
 * Limits every channel shares (see docs/channels.md); each channel's own limits are its
 * adapter's capabilities.
 */

/** Longest button label Mycel gives any channel (WhatsApp allows 20; Telegram more). */
export const MAX_BUTTON_LABEL_CHARS = 20;
/** Longest `data` of a button given to a sender (stored in the database, not sent to the channel). */
export const MAX_BUTTON_DATA_CHARS = 1_024;
/** Handled inbox rows, send records and buttons are deleted after this many days. */
export const CHANNEL_RECORD_RETENTION_DAYS = 7;
/** Largest webhook body accepted from a channel's service. */
export const CHANNEL_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
