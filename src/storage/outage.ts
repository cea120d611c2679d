import { MycelError } from '../shared/errors.js';

/**
 * Tells a database that is unreachable or going away (an outage, worth retrying later) from
 * a query that is wrong. HTTP answers the first with 503 and `Retry-After`, never with the
 * driver's text: that names the database's address (`connect ECONNREFUSED 10.0.0.5:5432`),
 * which is for the log only.
 */

/** Seconds a client is asked to wait before retrying after a database outage. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
/**
 * PostgreSQL SQLSTATEs of an outage: class 08 (connection exception), the server shutting
 * down or starting (57P01-57P03), too many connections (53300). SQLite: the file cannot be
 * opened, read or written, or stays locked.
 */
const OUTAGE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/;
const SQLITE_OUTAGE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY']);
/** node-postgres reports a lost or timed-out connection by message only. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended)/i;
/** How deep a chain of causes is followed. */
const MAX_CAUSE_DEPTH = 8;

/** True when `err` (or one of its causes) says the database is unreachable or went away. */
export function isDatabaseOutage(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current; depth += 1) {
    if (current instanceof MycelError && current.code === 'DATABASE_UNREACHABLE') return true;
    if (typeof current === 'object') {
      const { code, message, errors } = current as { code?: unknown; message?: unknown; errors?: unknown };
      if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLITE_OUTAGE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && OUTAGE_SQLSTATE.test(code)))) return true;
      if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
      // An AggregateError (several addresses tried) is an outage when its parts are.
      if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isDatabaseOutage(e))) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The answer body for a database outage: what happened and what to do, without the address. */
export function databaseOutageBody(): { error: string; hint: string } {
  return {
    error: 'database unavailable: nothing was changed',
    hint: `retry in ${DATABASE_RETRY_AFTER_SECONDS} s; if it lasts, check that the database runs and MYCEL_DATABASE_URL (\`mycel doctor\`; the server log has the detail)`,
  };
}
