/**
 * What this server offers, read from its OpenAPI document (public, no token needed).
 * Pages use it for optional extras (snooze, server-side search…); the main calls of a
 * page are simply made, and a "no route" answer shows "not available in this version".
 */
export interface Capabilities {
  /** Whether `METHOD template` is in the document, e.g. has('post', '/api/approvals/{id}'). */
  has(method: string, template: string): boolean;
  /** The first documented path of `method` matching `pattern`. */
  find(method: string, pattern: RegExp): string | undefined;
  /** Query parameter names a documented operation accepts. */
  queryParams(method: string, template: string): string[];
}

interface OpenApiDoc {
  paths?: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
}

export function capabilitiesFrom(doc: OpenApiDoc): Capabilities {
  const paths = doc.paths ?? {};
  const op = (method: string, template: string) => paths[template]?.[method.toLowerCase()];
  return {
    has: (method, template) => op(method, template) !== undefined,
    find: (method, pattern) => Object.keys(paths).find((p) => pattern.test(p) && op(method, p) !== undefined),
    queryParams: (method, template) => (op(method, template)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  };
}

let cached: Promise<Capabilities> | undefined;

/** Loads the document once per page load; an unreadable document means "nothing known". */
export function loadCapabilities(): Promise<Capabilities> {
  cached ??= fetch('/api/openapi.json')
    .then((res) => (res.ok ? (res.json() as Promise<OpenApiDoc>) : {}))
    .catch(() => ({}))
    .then(capabilitiesFrom);
  return cached;
}
