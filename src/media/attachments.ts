import { z } from 'zod';

/**
 * Attachment references: what travels in an envelope and through workflow history instead of
 * a file's bytes. The file itself lives in the data dir (`media/<channel>-<chatId>/<sha256>.<ext>`,
 * see `src/media/store.ts`); whoever needs the bytes (the model activity, the transcription
 * activity) reads them from there. Workflow-safe: no I/O here.
 */

/** What Mycel does with an attachment: look at it (image) or listen to it (voice). */
export const attachmentKindSchema = z.enum(['image', 'voice']);
export type AttachmentKind = z.infer<typeof attachmentKindSchema>;

/** The image and audio types Mycel accepts, as sniffed from the file's first bytes. */
export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export const AUDIO_MIME_TYPES = ['audio/ogg', 'audio/mpeg', 'audio/wav', 'audio/mp4', 'audio/webm'] as const;

/** A stored file's path, relative to the data dir; nothing else is ever read. */
export const MEDIA_PATH = /^media\/[A-Za-z0-9_.:-]{1,160}\/[0-9a-f]{64}\.[a-z0-9]{2,5}$/;

export const attachmentSchema = z.object({
  /** The SHA-256 of the file's bytes (hex): the same file in the same chat is stored once. */
  id: z.string().regex(/^[0-9a-f]{64}$/, 'attachment id must be a SHA-256 in hex'),
  kind: attachmentKindSchema,
  mime: z.enum([...IMAGE_MIME_TYPES, ...AUDIO_MIME_TYPES]),
  size: z.number().int().positive(),
  path: z.string().regex(MEDIA_PATH, 'attachment path must be media/<chat>/<sha256>.<ext>'),
});
export type Attachment = z.infer<typeof attachmentSchema>;

/** Most attachments one message may carry. */
export const MAX_ATTACHMENTS = 4;

/**
 * The text of a turn whose message had no words of its own (a photo without caption, a voice
 * note before it is transcribed): the transcript shows it, and brains know it is not a question.
 */
export const PHOTO_ONLY_TEXT = '📷 (photo)';
export const VOICE_NOTE_TEXT = '🎤 (voice note)';

/** The person's own words in a message with attachments (empty when there were none). */
export function wordsOf(message: { text: string }): string {
  const text = message.text.trim();
  return text === PHOTO_ONLY_TEXT || text === VOICE_NOTE_TEXT ? '' : text;
}

export function imagesOf(message: { attachments?: Attachment[] | undefined }): Attachment[] {
  return (message.attachments ?? []).filter((a) => a.kind === 'image');
}

export function voiceOf(message: { attachments?: Attachment[] | undefined }): Attachment | undefined {
  return (message.attachments ?? []).find((a) => a.kind === 'voice');
}

/** The brain's answer to a photo it cannot look at (the offline brain, or a model without vision). */
export const PHOTO_NOTE = "I can't look at photos yet. Tell me in words what you need (or add a caption), and send /help to see what I can do.";
