import { createApprovalActivities } from './approvals.js';
import { createConversationActivities } from './conversation.js';
import { createToolActivities } from './tools.js';
import { createDoctorActivities } from './doctor.js';
import { createMemoryActivities } from './memory.js';
import { createMediaActivities } from './media.js';
import { createPipelineActivities } from './pipelines.js';
import { createPromiseActivities } from './promises.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * Builds every activity of the worker from its dependencies. Each capability has its own
 * `create…Activities(deps)` factory taking only what it uses; this merges them into the
 * object the worker registers. A new capability adds its factory here (one line) and its
 * dependencies, if new, to `WorkerDeps` and to `src/runtime/services.ts`.
 */
export function createActivities(deps: WorkerDeps) {
  return {
    ...createApprovalActivities(deps),
    ...createPromiseActivities(deps),
    ...createConversationActivities(deps),
    ...createToolActivities(deps),
    ...createPipelineActivities(deps),
    ...createMemoryActivities(deps),
    ...createMediaActivities(deps),
    ...createDoctorActivities(deps),
  };
}

export type MycelActivities = ReturnType<typeof createActivities>;
export type { WorkerDeps } from './worker-deps.js';
