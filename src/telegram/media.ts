import { z } from 'zod';
import { GrammyError } from 'grammy';
import type { MycelConfig } from '../config/config.js';
import { PHOTO_ONLY_TEXT, VOICE_NOTE_TEXT, type Attachment, type AttachmentKind } from '../media/attachments.js';
import { capFor, MediaRefusedError, saveMedia, tooLarge, type MediaLimits } from '../media/store.js';
import type { TelegramClient } from './client.js';
import type { TelegramMessage } from './updates.js';

/**
 * Photos and voice notes from Telegram: which file of a message Mycel takes, and fetching it
 * (`getFile`, then `GET <root>/file/bot<token>/<file_path>`) into the data dir under the caps.
 * Runs at ingress, in the gateway; the turn then carries only the file's reference.
 */

/** Longest a file download may take (s). */
export const FILE_DOWNLOAD_TIMEOUT_S = 60;

const fileSchema = z.looseObject({ file_id: z.string().min(1), file_size: z.number().int().nonnegative().optional() });
const photoSchema = z.array(fileSchema.extend({ width: z.number().optional(), height: z.number().optional() })).min(1);

/** A file of a message that Mycel can use. */
export interface TelegramFileRef {
  kind: AttachmentKind;
  fileId: string;
  /** The size Telegram announced, when it did. */
  size: number | undefined;
}

/** What the channel does with media, from the configuration: photos need a model, voice notes a transcription model. */
export interface TelegramMediaSettings {
  images: boolean;
  voice: boolean;
  limits: MediaLimits;
  dataDir: string;
}

export function telegramMediaSettings(config: Pick<MycelConfig, 'model' | 'transcription' | 'media' | 'dataDir'>): TelegramMediaSettings {
  return { images: config.model.id !== 'offline', voice: config.transcription !== undefined, limits: config.media, dataDir: config.dataDir };
}

/**
 * The photo or voice note of a message that Mycel will take, if any: of a photo's sizes, the
 * largest within the cap (Telegram sends several); a photo whose every size is over the cap is
 * still chosen (smallest first), so the sender hears it was too large.
 */
export function pickFile(message: TelegramMessage, settings: TelegramMediaSettings): TelegramFileRef | undefined {
  if (settings.images && message.photo) {
    const sizes = photoSchema.safeParse(message.photo);
    if (!sizes.success) return undefined;
    const bySize = [...sizes.data].sort((a, b) => (a.file_size ?? 0) - (b.file_size ?? 0));
    const fits = bySize.filter((p) => p.file_size === undefined || p.file_size <= settings.limits.maxImageBytes);
    const chosen = fits.at(-1) ?? bySize[0]!;
    return { kind: 'image', fileId: chosen.file_id, size: chosen.file_size };
  }
  if (settings.voice && message.voice) {
    const voice = fileSchema.safeParse(message.voice);
    return voice.success ? { kind: 'voice', fileId: voice.data.file_id, size: voice.data.file_size } : undefined;
  }
  return undefined;
}

/** The turn's text when the message had no words: the placeholder the transcript shows. */
export function textWithoutWords(kind: AttachmentKind): string {
  return kind === 'image' ? PHOTO_ONLY_TEXT : VOICE_NOTE_TEXT;
}

/**
 * Downloads a file and stores it for the chat. Throws MediaRefusedError (for the sender) when
 * it is over the cap — known from Telegram's announced size before anything is fetched, else
 * counted while it streams — or not of an accepted type; other errors are transient.
 */
export async function fetchTelegramFile(
  client: TelegramClient,
  access: { token: string; apiRoot: string },
  settings: TelegramMediaSettings,
  chatId: string,
  ref: TelegramFileRef,
): Promise<Attachment> {
  const cap = capFor(settings.limits, ref.kind);
  if (ref.size !== undefined && ref.size > cap) throw tooLarge(ref.kind, ref.size, cap);
  let file;
  try {
    file = await client.api.getFile(ref.fileId);
  } catch (err) {
    // Telegram refuses files over 20 MB to bots.
    if (err instanceof GrammyError && err.error_code === 400 && /too big/i.test(err.description)) throw tooLarge(ref.kind, cap + 1, cap);
    throw err;
  }
  if (file.file_size !== undefined && file.file_size > cap) throw tooLarge(ref.kind, file.file_size, cap);
  if (!file.file_path) throw new Error('getFile returned no file_path');
  const url = `${access.apiRoot.replace(/\/+$/, '')}/file/bot${access.token}/${file.file_path.split('/').map(encodeURIComponent).join('/')}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(FILE_DOWNLOAD_TIMEOUT_S * 1000) });
  if (!res.ok || !res.body) throw new Error(`file download answered ${res.status}`);
  const bytes = await readCapped(res.body, cap, ref.kind);
  return saveMedia(settings.dataDir, settings.limits, { channel: 'telegram', chatId }, ref.kind, bytes);
}

/** Reads a body, stopping as soon as it passes the cap. */
async function readCapped(body: ReadableStream<Uint8Array>, cap: number, kind: AttachmentKind): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(kind, total, cap);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

export { MediaRefusedError };
