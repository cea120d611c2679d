import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatRef } from '../shared/envelope.js';
import { MycelError } from '../shared/errors.js';
import { AUDIO_MIME_TYPES, IMAGE_MIME_TYPES, MEDIA_PATH, type Attachment, type AttachmentKind } from './attachments.js';
import { extensionOf, sniffMime } from './sniff.js';

/**
 * Files people send (photos, voice notes) under `<data dir>/media/<channel>-<chatId>/<sha256>.<ext>`:
 * typed by their content, capped in size, named by their hash (the same file in a chat is
 * stored once), read back only by a reference that cannot leave the media folder, and deleted
 * after the retention limit. In a split deployment the gateway (which stores) and the worker
 * (which reads) must share the data dir.
 */

/** The caps and retention of stored media (MYCEL_MEDIA_*). */
export interface MediaLimits {
  maxImageBytes: number;
  maxAudioBytes: number;
  retentionDays: number;
}

/** A file was refused: too large, or not a type Mycel accepts. The message is for the sender. */
export class MediaRefusedError extends MycelError {
  constructor(
    readonly reason: 'too-large' | 'unsupported-type',
    message: string,
  ) {
    super(reason === 'too-large' ? 'MEDIA_TOO_LARGE' : 'MEDIA_UNSUPPORTED', message, reason === 'too-large' ? 'send a smaller file' : 'send a JPEG, PNG, GIF or WebP image, or a voice note');
    this.name = 'MediaRefusedError';
  }
}

/** Sizes as a person reads them: 5 MB, 300 KB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function capFor(limits: MediaLimits, kind: AttachmentKind): number {
  return kind === 'image' ? limits.maxImageBytes : limits.maxAudioBytes;
}

/** The refusal for a file over its cap (also used before downloading, from the size the channel announces). */
export function tooLarge(kind: AttachmentKind, size: number, cap: number): MediaRefusedError {
  const what = kind === 'image' ? 'photo' : 'voice note';
  return new MediaRefusedError('too-large', `That ${what} is too large for me (${formatBytes(size)}; I take up to ${formatBytes(cap)}). Please send a smaller one.`);
}

function chatFolder(chat: ChatRef): string {
  return `${chat.channel}-${chat.chatId}`;
}

/**
 * Checks and stores one file for a chat; returns its reference. Throws MediaRefusedError when
 * the file is over the cap for its kind or its content is not an accepted type for that kind.
 */
export async function saveMedia(dataDir: string, limits: MediaLimits, chat: ChatRef, kind: AttachmentKind, bytes: Uint8Array): Promise<Attachment> {
  const cap = capFor(limits, kind);
  if (bytes.length > cap) throw tooLarge(kind, bytes.length, cap);
  const mime = sniffMime(bytes);
  const accepted: readonly string[] = kind === 'image' ? IMAGE_MIME_TYPES : AUDIO_MIME_TYPES;
  if (!mime || !accepted.includes(mime)) {
    throw new MediaRefusedError('unsupported-type', kind === 'image' ? 'I can only look at JPEG, PNG, GIF or WebP images.' : 'I could not read that recording (not an audio format I know).');
  }
  const id = createHash('sha256').update(bytes).digest('hex');
  const relative = `media/${chatFolder(chat)}/${id}.${extensionOf(mime)}`;
  const file = resolveMediaPath(dataDir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return { id, kind, mime: mime as Attachment['mime'], size: bytes.length, path: relative };
}

/** The absolute path of a stored file; refuses anything that is not a media reference inside the data dir. */
export function resolveMediaPath(dataDir: string, relative: string): string {
  const root = path.resolve(dataDir, 'media');
  const file = path.resolve(dataDir, relative);
  if (!MEDIA_PATH.test(relative) || !file.startsWith(root + path.sep) || relative.split('/').some((part) => part === '..' || part === '.')) {
    throw new MycelError('MEDIA_PATH_INVALID', `not a media reference: ${JSON.stringify(relative.slice(0, 200))}`);
  }
  return file;
}

/** A stored file's bytes; throws a MycelError `MEDIA_GONE` when retention (or a person) deleted it. */
export async function readMedia(dataDir: string, attachment: Pick<Attachment, 'path'>): Promise<Uint8Array> {
  const file = resolveMediaPath(dataDir, attachment.path);
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MycelError('MEDIA_GONE', 'the file is no longer stored (older than the media retention limit)', 'send it again');
    throw err;
  }
}

/** Deletes stored files older than the retention limit (and chat folders left empty); returns how many files went. */
export async function sweepMedia(dataDir: string, retentionDays: number, now = Date.now()): Promise<number> {
  const root = path.join(dataDir, 'media');
  const cutoff = now - retentionDays * 24 * 60 * 60 * 1000;
  let removed = 0;
  let folders: string[];
  try {
    folders = await readdir(root);
  } catch {
    return 0;
  }
  for (const folder of folders) {
    const dir = path.join(root, folder);
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      continue;
    }
    let left = files.length;
    for (const name of files) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed += 1;
        left -= 1;
      }
    }
    if (left === 0) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
