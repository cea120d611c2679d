/**
 * Every workflow the Mycel worker runs. This file and everything it imports is bundled
 * into Temporal's deterministic sandbox: only workflow-safe code (no I/O, no clock,
 * no random) may be imported here — activities are imported by type only.
 */
export { baselineWorkflow } from './baseline.js';
export { approvalWorkflow } from './approval.js';
export { promiseWorkflow, recurringPromiseWorkflow } from './promise.js';
export { conversationWorkflow } from './conversation.js';
export { pipelineWorkflow } from './pipeline.js';
export { pipelineBaselineWorkflow } from './pipeline-baseline.js';
export { doctorWorkflow } from './doctor.js';
export { memoryQuestionWorkflow } from './memory-question.js';
export { memoryRetentionWorkflow } from './memory-retention.js';
