/** Largest request body the API accepts; larger bodies get 413 with a JSON error. */
export const MAX_BODY_BYTES = 64 * 1024;
