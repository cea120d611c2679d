export { ModelBrain, ModelRejectedError, ModelUnreachableError, MODEL_CALL_TIMEOUT_MS, classifyModelError } from './model-brain.js';
export { probeModel, MODEL_PROBE_TIMEOUT_MS, type ModelProbe } from './probe.js';
export { createLanguageModel, describeModel, parseModelId, OLLAMA_DEFAULT_BASE_URL } from './provider.js';
