import { describe, expect, it } from 'vitest';
import { pickFile, telegramMediaSettings, type TelegramMediaSettings } from './media.js';
import { updateSchema } from './updates.js';

const limits = { maxImageBytes: 50_000, maxAudioBytes: 100_000, retentionDays: 30 };
const on: TelegramMediaSettings = { images: true, voice: true, limits, dataDir: '/tmp/x' };
const message = (extra: Record<string, unknown>) =>
  updateSchema.parse({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 1, type: 'private' }, from: { id: 1, is_bot: false, first_name: 'A' }, ...extra } }).message!;
const sizes = [9_000, 32_000, 80_000].map((file_size, n) => ({ file_id: `p${n}`, file_unique_id: `u${n}`, width: n, height: n, file_size }));

describe('which file of a Telegram message Mycel takes', () => {
  it('takes the largest photo size within the cap, or the smallest when none fits (to refuse it clearly)', () => {
    expect(pickFile(message({ photo: sizes }), on)).toEqual({ kind: 'image', fileId: 'p1', size: 32_000 });
    expect(pickFile(message({ photo: sizes }), { ...on, limits: { ...limits, maxImageBytes: 1_000 } })).toEqual({ kind: 'image', fileId: 'p0', size: 9_000 });
  });

  it('takes a voice note only with transcription, a photo only with a model, and nothing malformed', () => {
    const voice = { file_id: 'v1', file_unique_id: 'uv', duration: 2, mime_type: 'audio/ogg', file_size: 4_000 };
    expect(pickFile(message({ voice }), on)).toEqual({ kind: 'voice', fileId: 'v1', size: 4_000 });
    expect(pickFile(message({ voice }), { ...on, voice: false })).toBeUndefined();
    expect(pickFile(message({ photo: sizes }), { ...on, images: false })).toBeUndefined();
    expect(pickFile(message({ photo: [{}] }), on)).toBeUndefined();
  });

  it('derives what is taken from the configuration', () => {
    const base = { dataDir: '/d', media: limits, transcription: undefined };
    expect(telegramMediaSettings({ ...base, model: { id: 'offline', baseUrl: undefined, apiKey: undefined } })).toMatchObject({ images: false, voice: false });
    expect(telegramMediaSettings({ ...base, model: { id: 'openai:gpt-4o-mini', baseUrl: undefined, apiKey: undefined }, transcription: { model: 'openai:whisper-1', baseUrl: undefined, apiKey: undefined } })).toMatchObject({ images: true, voice: true });
  });
});
