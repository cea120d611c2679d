/**
 * Every limit the WhatsApp channel works within, in one place (see docs/channels.md).
 * The Cloud API's own limits come first; Mycel's choices follow.
 */

/** The Graph API version Mycel speaks; replies go to `<root>/<version>/<phone number id>/messages`. */
export const GRAPH_API_VERSION = 'v21.0';
/** Longest body of a text message. */
export const WHATSAPP_MAX_MESSAGE_CHARS = 4096;
/** Longest body of an interactive (button) message. */
export const WHATSAPP_MAX_INTERACTIVE_BODY_CHARS = 1024;
/** Reply buttons one interactive message may carry. */
export const WHATSAPP_MAX_REPLY_BUTTONS = 3;
/** Longest title of a reply button. */
export const WHATSAPP_MAX_BUTTON_TITLE_CHARS = 20;

/** Retries of one send inside the attempt (after a 429 or a 5xx) before the error goes to Temporal's retry. */
export const WHATSAPP_MAX_API_RETRIES = 2;
/** Wait before the first in-attempt retry (ms), doubled for the next; a `Retry-After` header wins, up to the longest wait. */
export const WHATSAPP_RETRY_BASE_MS = 500;
/** Longest wait for a retry inside one attempt (s); a longer `Retry-After` fails the attempt so Temporal retries later. */
export const WHATSAPP_MAX_RETRY_AFTER_S = 10;
/** Time limit of one Graph API request (ms). */
export const WHATSAPP_REQUEST_TIMEOUT_MS = 15_000;
