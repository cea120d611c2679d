/**
 * Redaction of secrets before anything is logged, printed or stored in an audit record.
 * Tokens and passwords never leave the process in clear text.
 */
const SECRET_KEY = /(token|secret|password|passwd|api[-_]?key|authorization|cookie)/i;

/** Masks the password of a connection URL: `postgres://u:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
  }
}

/** Replaces bot tokens, bearer tokens and `key=value` secrets inside free text. */
export function redactText(text: string): string {
  return text
    // A bot token also hides inside Bot API URLs (`/bot<token>/getMe`), with no word boundary before it.
    .replace(/(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}/g, '***')
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***')
    .replace(/\b(sk|pk|xox[bap]|xapp)-[A-Za-z0-9_-]{10,}/g, '***')
    .replace(/((?:token|secret|password|api[-_]?key)\s*[=:]\s*)[^\s&]+/gi, '$1***')
    .replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
}

/** Deep copy of a JSON-like value with secret-looking keys masked and strings scrubbed. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v != null ? '***' : redactValue(v)]),
    );
  }
  return value;
}
