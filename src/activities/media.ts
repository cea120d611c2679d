import { ApplicationFailure } from '@temporalio/activity';
import type { ImageInput } from '../brain/types.js';
import { withLogContext } from '../logging/log-context.js';
import { imagesOf, type Attachment } from '../media/attachments.js';
import { readMedia } from '../media/store.js';
import { transcribeAudio } from '../media/transcribe.js';
import type { Envelope } from '../shared/envelope.js';
import { MycelError } from '../shared/errors.js';
import type { ActivityDeps } from '../deps/activity-deps.js';

export interface TranscribeVoiceRequest {
  chatId: string;
  updateId: string;
  attachment: Attachment;
}

/**
 * The images of a turn's message, read from the data dir for the model (only a model with
 * vision is shown them). A file that retention already deleted is left out, with a warning.
 */
export async function loadImages(deps: Pick<ActivityDeps, 'config' | 'logger'>, envelope: Envelope): Promise<ImageInput[]> {
  const { model } = deps.config;
  if (model.id === 'offline' || model.vision === false) return [];
  const images: ImageInput[] = [];
  for (const attachment of imagesOf(envelope)) {
    try {
      images.push({ mediaType: attachment.mime, data: await readMedia(deps.config.dataDir, attachment) });
    } catch (err) {
      if (!(err instanceof MycelError && err.code === 'MEDIA_GONE')) throw err;
      deps.logger.warn({ path: attachment.path }, 'an image of this turn is no longer stored');
    }
  }
  return images;
}

/** Activities of the media capability: a voice note's transcription (retried; its text recorded once in history). */
export function createMediaActivities(deps: ActivityDeps) {
  return {
    async transcribeVoice(request: TranscribeVoiceRequest): Promise<{ text: string }> {
      return withLogContext({ chatId: request.chatId, updateId: request.updateId }, async () => {
        const settings = deps.config.transcription;
        if (!settings) throw ApplicationFailure.create({ message: 'voice notes are not transcribed here (MYCEL_TRANSCRIPTION_MODEL is off)', type: 'TranscriptionOff', nonRetryable: true });
        let audio: Uint8Array;
        try {
          audio = await readMedia(deps.config.dataDir, request.attachment);
        } catch (err) {
          if (err instanceof MycelError) throw ApplicationFailure.create({ message: err.message, type: err.code, nonRetryable: true });
          throw err;
        }
        try {
          const text = await transcribeAudio(settings, audio);
          deps.logger.debug({ chars: text.length }, 'voice note transcribed');
          return { text };
        } catch (err) {
          const failure = err instanceof MycelError ? err : new MycelError('TRANSCRIPTION_FAILED', String(err));
          throw ApplicationFailure.create({ message: failure.message, type: failure.code, nonRetryable: failure.code === 'TRANSCRIPTION_REJECTED' });
        }
      });
    },
  };
}
