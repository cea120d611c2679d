import os from 'node:os';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { DOCTOR_FLAKY_SUCCESS_ATTEMPT } from '../shared/doctor.js';

/** Activities of the doctor's validation workflow: small probes with no lasting effect. */
export function createDoctorActivities(deps: ActivityDeps) {
  return {
    /** Returns its input with where it ran: proves activity dispatch and payload round trip. */
    async doctorEcho(input: { nonce: string }): Promise<{ nonce: string; host: string; pid: number }> {
      return { nonce: input.nonce, host: os.hostname(), pid: process.pid };
    },

    /** Writes a probe row into the Mycel database, reads it back and removes it. */
    async doctorPersist(input: { key: string; value: string }): Promise<{ readBack: string | undefined; database: string }> {
      const { db } = deps.store;
      await db.deleteFrom('mycel_meta').where('key', '=', input.key).execute();
      await db.insertInto('mycel_meta').values({ key: input.key, value: input.value }).execute();
      const row = await db.selectFrom('mycel_meta').select('value').where('key', '=', input.key).executeTakeFirst();
      await db.deleteFrom('mycel_meta').where('key', '=', input.key).execute();
      return { readBack: row?.value, database: deps.store.capabilities.name };
    },

    /** Fails (retryably) on every attempt before DOCTOR_FLAKY_SUCCESS_ATTEMPT, then succeeds. */
    async doctorFlaky(): Promise<{ attempt: number }> {
      const { attempt } = Context.current().info;
      if (attempt < DOCTOR_FLAKY_SUCCESS_ATTEMPT) {
        throw ApplicationFailure.retryable(`planned failure on attempt ${attempt} (the doctor tests retries)`, 'DoctorPlannedFailure');
      }
      return { attempt };
    },
  };
}
