import type { Selectable } from 'kysely';
import type { MemoryFactsTable } from '../../storage/schema.js';

export type FactRow = Selectable<Omit<MemoryFactsTable, 'seq'>> & { seq: number };

/** The columns of a fact read everywhere (never PostgreSQL's derived `search` column). */
export const FACT_COLUMNS = [
  'seq',
  'id',
  'write_key',
  'channel',
  'chat_id',
  'user_id',
  'text',
  'kind',
  'subject',
  'value',
  'confidence',
  'source',
  'provenance',
  'retention',
  'expires_at',
  'valid_from',
  'valid_to',
  'closed_by',
  'created_at',
] as const;
