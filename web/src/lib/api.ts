/**
 * The web app's only way to the server: the same JSON API every other client uses.
 * Adds the bearer token when one was given at sign-in (never in a URL) and turns every
 * failure into an ApiError that says what failed in words a person can act on.
 */

const TOKEN_KEY = 'mycel.apiToken';

/** What kind of failure, so pages can react (sign in again, show "not available"…). */
export type FailureKind = 'network' | 'auth' | 'missing-route' | 'not-found' | 'bad-request' | 'conflict' | 'server';

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

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

function announceAuth(needed: boolean): void {
  for (const l of authListeners) l(needed);
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return memoryToken ? { ...extra, authorization: `Bearer ${memoryToken}` } : extra;
}

interface ErrorBody {
  error?: string;
  hint?: string;
}

function kindOf(status: number, message: string): FailureKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return /^no route for /.test(message) ? 'missing-route' : 'not-found';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'bad-request';
  return 'server';
}

/** Turns a non-2xx response into an ApiError carrying the server's own message and hint. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let body: ErrorBody;
  const text = await res.text().catch(() => '');
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    body = { error: text.slice(0, 300) || undefined };
  }
  const message = body.error || `the server answered ${res.status} ${res.statusText}`.trim();
  const kind = kindOf(res.status, message);
  if (kind === 'auth') announceAuth(true);
  return new ApiError(kind, message, res.status, body.hint);
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Accept text instead of JSON (metrics). */
  text?: boolean;
}

/** One request to the server; JSON in and out. Throws ApiError on any failure. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: authHeaders(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('network', 'Mycel did not answer (the network request failed).', 0);
  }
  if (!res.ok) throw await errorFrom(res);
  if (options.text) return (await res.text()) as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal });
export const post = <T>(path: string, body: unknown) => request<T>('POST', path, { body });
export const del = <T>(path: string) => request<T>('DELETE', path);

/** `/api/chats/{chatId}/messages` with each parameter encoded. */
export function apiPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
