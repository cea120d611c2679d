/** Discord's limits as Mycel uses them. */

/** Longest content of one message (Discord refuses longer ones). */
export const DISCORD_MAX_MESSAGE_CHARS = 2000;
/** Buttons Mycel puts on one message: one action row holds five. */
export const DISCORD_MAX_BUTTONS = 5;
/** The REST API version Mycel speaks. */
export const DISCORD_API_VERSION = '10';
/** The public API root; DISCORD_API_ROOT overrides it (tests point it at a stand-in). */
export const DISCORD_DEFAULT_API_ROOT = 'https://discord.com';
/** A request that has not answered after this long fails (the outbox retries it). */
export const DISCORD_REQUEST_TIMEOUT_MS = 15_000;
/** The prefix of the chat id of the one allowed server channel; a direct-message chat is the user's id. */
export const DISCORD_CHANNEL_CHAT_PREFIX = 'channel-';
