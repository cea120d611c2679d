import { describe, expect, it } from 'vitest';
import { MycelError } from '../shared/errors.js';
import { databaseOutageBody, isDatabaseOutage } from './outage.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseOutage', () => {
  it('recognizes an unreachable or lost database, also as a cause', () => {
    expect(isDatabaseOutage(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isDatabaseOutage(withCode('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseOutage(withCode('08006'))).toBe(true);
    expect(isDatabaseOutage(withCode('53300'))).toBe(true);
    expect(isDatabaseOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseOutage(withCode('SQLITE_BUSY'))).toBe(true);
    expect(isDatabaseOutage(new Error('wrapped', { cause: withCode('ECONNRESET') }))).toBe(true);
    expect(isDatabaseOutage(new MycelError('DATABASE_UNREACHABLE', 'Cannot open the database'))).toBe(true);
    expect(isDatabaseOutage(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]))).toBe(true);
  });

  it('does not take a wrong query or another failure for an outage', () => {
    expect(isDatabaseOutage(withCode('23505', 'duplicate key value'))).toBe(false);
    expect(isDatabaseOutage(withCode('42P01', 'relation does not exist'))).toBe(false);
    expect(isDatabaseOutage(withCode('SQLITE_CONSTRAINT'))).toBe(false);
    expect(isDatabaseOutage(new Error('boom'))).toBe(false);
    expect(isDatabaseOutage(undefined)).toBe(false);
  });

  it('answers without the database address', () => {
    expect(JSON.stringify(databaseOutageBody())).not.toMatch(/\d+\.\d+\.\d+\.\d+|5432|ECONN/);
    expect(databaseOutageBody().error).toMatch(/^database unavailable/);
  });
});
