/**
 * JSON safety of pipeline contexts. Workflow-safe: no I/O, no clock, no randomness.
 * Every value that crosses a boundary (run input, task output) is checked here, so a Date,
 * a Map, `undefined` in an array, NaN or a cycle is refused with where it sits.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Deepest nesting accepted in a context value. */
export const MAX_JSON_DEPTH = 64;

/** Returns where and why `value` is not plain JSON, or undefined when it is. */
export function jsonProblem(value: unknown, where = '$', depth = 0, seen: unknown[] = []): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `${where}: nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${where}: ${String(value)} is not a JSON number`;
  if (typeof value === 'undefined') return `${where}: undefined is not JSON (use null)`;
  if (typeof value === 'bigint') return `${where}: a bigint is not JSON (use a string or number)`;
  if (typeof value === 'function' || typeof value === 'symbol') return `${where}: a ${typeof value} is not JSON`;
  if (seen.includes(value)) return `${where}: a circular reference is not JSON`;
  if (Array.isArray(value)) {
    seen.push(value);
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${where}[${i}]`, depth + 1, seen);
      if (problem) return problem;
    }
    seen.pop();
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    return `${where}: a ${name} is not plain JSON (convert it, e.g. a Date with toISOString())`;
  }
  seen.push(value);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const problem = jsonProblem(item, `${where}.${key}`, depth + 1, seen);
    if (problem) return problem;
  }
  seen.pop();
  return undefined;
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Size in bytes of a value's JSON text (UTF-8), without TextEncoder so it runs anywhere. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? 'null';
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
