import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, experimental_transcribe as transcribe } from 'ai';
import type { MycelConfig } from '../config/config.js';
import { formatError, MycelError } from '../shared/errors.js';

/** Longest one transcription call may take before the attempt counts as failed. */
export const TRANSCRIPTION_TIMEOUT_MS = 60_000;

export type TranscriptionSettings = NonNullable<MycelConfig['transcription']>;

/**
 * Turns a recording into text through the provider's transcription API (the AI SDK's
 * `experimental_transcribe` with `openai.transcription(<model>)`: `POST <base>/audio/transcriptions`,
 * multipart). Retries belong to the activity that calls it. A refusal by the provider (4xx other
 * than 408/429) is thrown as `TRANSCRIPTION_REJECTED`, anything else as `TRANSCRIPTION_FAILED`.
 */
export async function transcribeAudio(settings: TranscriptionSettings, audio: Uint8Array, timeoutMs = TRANSCRIPTION_TIMEOUT_MS): Promise<string> {
  const model = settings.model.replace(/^openai:/, '');
  // A self-hosted server (a base URL) may need no key; the OpenAI provider insists on one.
  const apiKey = settings.apiKey ?? (settings.baseUrl ? 'no-key' : undefined);
  const provider = createOpenAI({ apiKey, baseURL: settings.baseUrl });
  try {
    const result = await transcribe({ model: provider.transcription(model), audio, maxRetries: 0, abortSignal: AbortSignal.timeout(timeoutMs) });
    return result.text.trim();
  } catch (err) {
    const where = settings.baseUrl ? `${settings.model} at ${settings.baseUrl}` : settings.model;
    const status = APICallError.isInstance(err) ? err.statusCode : undefined;
    const refused = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new MycelError(refused ? 'TRANSCRIPTION_REJECTED' : 'TRANSCRIPTION_FAILED', `the transcription model (${where}) ${refused ? 'refused the recording' : 'failed'}: ${formatError(err)}`, 'check MYCEL_TRANSCRIPTION_MODEL, MYCEL_TRANSCRIPTION_BASE_URL and the key', { cause: err });
  }
}
