/**
 * Every limit the Slack channel works within, in one place (see docs/channels.md).
 * Slack's own limits come first; Mycel's choices follow.
 */

/** Longest text of one message Mycel sends; Slack advises at most 4,000 characters (it truncates past 40,000). */
export const SLACK_MAX_MESSAGE_CHARS = 4_000;
/** Longest text of a Block Kit section block (the part that carries buttons under it). */
export const SLACK_MAX_SECTION_CHARS = 3_000;
/** Elements one `actions` block may carry. */
export const SLACK_MAX_ACTIONS = 25;
/** Longest text of a button. */
export const SLACK_MAX_BUTTON_TEXT_CHARS = 75;

/** How far a request's `X-Slack-Request-Timestamp` may be from now (s) before it is refused as a replay. */
export const SLACK_SIGNATURE_MAX_AGE_S = 5 * 60;

/** Retries of one call inside the attempt (after a 429 or a 5xx) before the error goes to Temporal's retry. */
export const SLACK_MAX_API_RETRIES = 2;
/** Wait before the first in-attempt retry of a 5xx (ms), doubled for the next; a 429's `Retry-After` wins. */
export const SLACK_RETRY_BASE_MS = 500;
/** Longest wait for a retry inside one attempt (s); a longer `Retry-After` fails the attempt so Temporal retries later. */
export const SLACK_MAX_RETRY_AFTER_S = 10;
/** Time limit of one Web API request (ms). */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;
