import type { Kysely, Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/dialect.js';

/**
 * A migration receives the dialect's capabilities so that one file can serve both
 * SQLite and PostgreSQL. Migrations are forward only; a schema change is a new file.
 */
export type MigrationFactory = (capabilities: DialectCapabilities) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then
  up(db: Kysely<any>): Promise<void>;
};

export type { Migration };
