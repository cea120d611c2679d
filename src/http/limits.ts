/** Largest request body the API accepts; larger bodies get 413 with a JSON error. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The route that sends a message (and may carry images). */
export const MESSAGE_PATH = /^\/api\/chats\/[^/]+\/messages$/;

/**
 * Largest body of `POST /api/chats/{chatId}/messages`: the usual limit plus two images at the
 * cap in base64, so one image a little over its cap still gets the clear per-image refusal.
 */
export function messageBodyLimit(maxImageBytes: number): number {
  return MAX_BODY_BYTES + Math.ceil((maxImageBytes * 2 * 4) / 3);
}
