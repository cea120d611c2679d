/**
 * Table types of the Mycel database, one interface per capability, joined in `Database`.
 * Conventions (both dialects): times are ISO-8601 UTC strings (sortable as text), JSON
 * documents are stored as text and parsed at the edge, ids are text.
 */

export interface MetaTable {
  key: string;
  value: string;
}

export interface FoundationTables {
  mycel_meta: MetaTable;
}

/** Every table. Capabilities add their own interface to this intersection. */
export type Database = FoundationTables;
