import { ApiError, createApiClient, errorFromResponse, networkError } from '../../../src/api/client.js';

/**
 * The web app's only way to the server: the shared typed API client (the same module
 * `mycel chat` uses, its types generated from the server's OpenAPI document). Adds the bearer
 * token when one was given at sign-in (never in a URL) and turns every failure into an
 * ApiError that says what failed in words a person can act on.
 */

export { ApiError, messageIdOfKey, networkError, type ApiPaths, type FailureKind, type Schemas } from '../../../src/api/client.js';

const TOKEN_KEY = 'mycel.apiToken';

type AuthListener = (needed: boolean) => void;
const authListeners = new Set<AuthListener>();

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // storage disabled: the token lives in memory only
  }
}

let memoryToken: string | undefined = storage()?.getItem(TOKEN_KEY) ?? undefined;

export function currentToken(): string | undefined {
  return memoryToken;
}

/** Keeps the token for this browser tab only (sessionStorage), never in a URL or cookie. */
export function setToken(token: string | undefined): void {
  memoryToken = token || undefined;
  const s = storage();
  if (memoryToken) s?.setItem(TOKEN_KEY, memoryToken);
  else s?.removeItem(TOKEN_KEY);
}

/** Called with `true` whenever the server asks for a (new) token. */
export function onAuthNeeded(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function announceFailure(err: ApiError): void {
  if (err.kind === 'auth') for (const l of authListeners) l(true);
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return memoryToken ? { ...extra, authorization: `Bearer ${memoryToken}` } : extra;
}

/**
 * The typed API: `await api.ok(api.GET('/api/approvals', { signal }))` returns the body the
 * server documents, or throws an ApiError.
 */
export const api = createApiClient({ token: currentToken, onFailure: announceFailure });

/** Turns a non-2xx response into an ApiError carrying the server's own message and hint. */
export async function errorFrom(res: Response): Promise<ApiError> {
  const err = await errorFromResponse(res);
  announceFailure(err);
  return err;
}

/** A plain-text GET of a path outside the JSON API (`/metrics`). Throws ApiError on any failure. */
export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(path, { headers: authHeaders(), signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw networkError(err);
  }
  if (!res.ok) throw await errorFrom(res);
  return res.text();
}

/** `/api/chats/{chatId}/messages` with each parameter encoded. */
export function apiPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
