import type { MigrationFactory } from './types.js';

/** Task pipelines: the definitions workers loaded (for the durable shape check), runs and per-task history. */
const migration: MigrationFactory = () => ({
  async up(db) {
    await db.schema
      .createTable('pipeline_definitions')
      .addColumn('pipeline_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('shape', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('source', 'text')
      .addColumn('first_loaded_at', 'text', (c) => c.notNull())
      .addColumn('last_loaded_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pipeline_definitions_pk', ['pipeline_id', 'version'])
      .execute();

    await db.schema
      .createTable('pipeline_runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('pipeline_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('outputs', 'text')
      .addColumn('failed_task', 'text')
      .addColumn('error', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .execute();
    await db.schema.createIndex('pipeline_runs_started').on('pipeline_runs').column('started_at').execute();
    await db.schema.createIndex('pipeline_runs_pipeline').on('pipeline_runs').columns(['pipeline_id', 'started_at']).execute();

    await db.schema
      .createTable('pipeline_task_runs')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('error', 'text')
      .addColumn('output', 'text')
      .addColumn('output_bytes', 'integer')
      .addPrimaryKeyConstraint('pipeline_task_runs_pk', ['run_id', 'task_id'])
      .execute();
  },
});

export default migration;
