import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { PHOTO_NOTE } from '../../src/media/attachments.js';
import { checkAndRecordHistory } from '../support/histories.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';
import { sampleJpeg, sampleOgg } from '../support/media-samples.js';
import { startOpenAIStandIn, type StandIn } from '../support/openai-stand-in.js';
import { TelegramStandIn } from '../support/telegram-server.js';

/** Fresh Telegram ids per run: the dev server is shared by every test file. */
const BASE = 3_000_000 + Math.floor(Math.random() * 8_000_000) * 10;
const PHOTO_OWNER = BASE + 1;
const VOICE_OWNER = BASE + 2;
const BIG_OWNER = BASE + 3;
const DEAF_OWNER = BASE + 4;
/** Small caps, so an oversized file is cheap to make. */
const MAX_IMAGE_BYTES = 4_096;

describe('photos and voice notes with a model that sees and a transcription API', () => {
  let model: StandIn;
  let tg: TelegramStandIn;
  let mycel: TestMycel;
  const idle = async () => {
    await tg.waitFor(() => tg.pending().length === 0, 20_000, 'the poller to confirm every update');
    await mycel.telegram().dispatcher.idle();
  };

  beforeAll(async () => {
    model = await startOpenAIStandIn();
    tg = await TelegramStandIn.start();
    mycel = await startTestMycel({
      env: {
        MYCEL_MODEL: 'openai-compatible:stand-in',
        MYCEL_MODEL_BASE_URL: model.baseUrl,
        MYCEL_MEDIA_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        MYCEL_OWNER_TELEGRAM_IDS: [PHOTO_OWNER, VOICE_OWNER, BIG_OWNER, DEAF_OWNER].join(','),
      },
    });
  });
  afterAll(async () => {
    await mycel?.stop();
    await tg?.stop();
    await model?.close();
  });

  it('sends a Telegram photo with its caption to the model as an image part and replies', async () => {
    const owner = tg.user(PHOTO_OWNER, 'Ada');
    const jpeg = sampleJpeg(2_000);
    tg.injectPhoto(owner, 'what is on this receipt?', { bytes: jpeg });
    const [reply] = await tg.waitForMessages(PHOTO_OWNER, 1);
    expect(reply!.text).toBe('You said: what is on this receipt? (I see 1 image)');
    expect(model.images).toContainEqual({ mediaType: 'image/jpeg', bytes: jpeg.length });
    // The file is in the data dir by its hash; the conversation only ever had its reference.
    const folder = path.join(mycel.config.dataDir, 'media', `telegram-${PHOTO_OWNER}`);
    expect(readdirSync(folder)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.jpg$/)]);
    const history = JSON.stringify((await mycel.proc.client.workflow.getHandle(`chat-telegram-${PHOTO_OWNER}`).fetchHistory()).events);
    expect(history).not.toContain(Buffer.from(jpeg).toString('base64').slice(0, 40));
  });

  it('transcribes a voice note through the transcription API; the transcript is the turn’s text and is shown back', async () => {
    const owner = tg.user(VOICE_OWNER, 'Bo');
    const before = model.transcriptions.length;
    tg.injectVoice(owner, sampleOgg(3_000));
    const [reply] = await tg.waitForMessages(VOICE_OWNER, 1);
    expect(reply!.text).toBe('🎤 remind me to water the plants\n\nYou said: remind me to water the plants');
    expect(model.transcriptions.slice(before)).toEqual([{ model: 'whisper-1', fileName: 'audio.ogg', mediaType: 'audio/ogg', bytes: 3_000 }]);
    await idle();
    const transcript = await listMessages(mycel.proc.store, { channel: 'telegram', chatId: String(VOICE_OWNER) });
    expect(transcript.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['remind me to water the plants']);
    await checkAndRecordHistory(mycel.proc.client.workflow.getHandle(`chat-telegram-${VOICE_OWNER}`), 'conversation-voice-note');
  });

  it('retries a failing transcription, then answers clearly without asking the model', async () => {
    const owner = tg.user(DEAF_OWNER, 'Di');
    const before = model.transcriptions.length;
    const requests = model.requests.filter((r) => r.stream).length;
    model.failTranscriptionsNext(3, 503);
    tg.injectVoice(owner, sampleOgg(500));
    const [reply] = await tg.waitForMessages(DEAF_OWNER, 1);
    expect(reply!.text).toMatch(/^Sorry, I could not transcribe your voice note: the transcription model \(openai:whisper-1 at .*\) failed: .*Please type your message instead\.$/);
    expect(model.transcriptions.length - before).toBe(3);
    expect(model.requests.filter((r) => r.stream).length).toBe(requests);
  });

  it('refuses an oversized photo with a clear message, without downloading it or asking the model', async () => {
    const owner = tg.user(BIG_OWNER, 'Cy');
    const requests = model.requests.length;
    const downloads = tg.fileDownloads.length;
    tg.injectPhoto(owner, undefined, { bytes: sampleJpeg(64), fileSize: MAX_IMAGE_BYTES * 3 });
    const [note] = await tg.waitForMessages(BIG_OWNER, 1);
    expect(note!.text).toMatch(/^That photo is too large for me \(12 KB; I take up to 4 KB\)/);
    await idle();
    expect(tg.fileDownloads.length).toBe(downloads);
    expect(model.requests.length).toBe(requests);
  });

  it('takes an image through the API, and refuses oversized or non-image attachments with nothing stored', async () => {
    const chat = `media-${randomBytes(4).toString('hex')}`;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(120)]);
    const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'what colour is it?', attachments: [{ mime: 'image/png', dataBase64: png.toString('base64') }] } });
    expect(res.body).toEqual({ reply: 'You said: what colour is it? (I see 1 image)', turn: 1 });
    expect(model.images).toContainEqual({ mediaType: 'image/png', bytes: png.length });
    // The old JSON form keeps working beside it.
    expect((await mycel.api(`/api/chats/${chat}/messages`, { body: { text: 'and plain text?' } })).body).toEqual({ reply: 'You said: and plain text?', turn: 2 });

    const other = `media-${randomBytes(4).toString('hex')}`;
    const big = await mycel.api(`/api/chats/${other}/messages`, { body: { attachments: [{ mime: 'image/jpeg', dataBase64: Buffer.from(sampleJpeg(MAX_IMAGE_BYTES + 1)).toString('base64') }] } });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/too large for me/);
    const script = await mycel.api(`/api/chats/${other}/messages`, { body: { attachments: [{ mime: 'image/png', dataBase64: Buffer.from('#!/bin/sh\necho pwned\n').toString('base64') }] } });
    expect(script.status).toBe(415);
    expect(script.body.error).toMatch(/JPEG, PNG, GIF or WebP/);
    const missing = await mycel.api(`/api/chats/${other}/messages`, { body: {} });
    expect(missing).toEqual({ status: 400, body: { error: expect.stringMatching(/text is required/) } });
    expect(existsSync(path.join(mycel.config.dataDir, 'media', `web-${other}`))).toBe(false);
    expect(await listMessages(mycel.proc.store, { channel: 'web', chatId: other })).toEqual([]);
  });
});

describe('photos with the offline brain', () => {
  it('answers an image sent through the API with its clear "can\'t look at photos yet"', async () => {
    const mycel = await startTestMycel();
    try {
      const chat = `media-offline-${randomBytes(4).toString('hex')}`;
      const res = await mycel.api(`/api/chats/${chat}/messages`, { body: { attachments: [{ mime: 'image/jpeg', dataBase64: Buffer.from(sampleJpeg(200)).toString('base64') }] } });
      expect(res.body).toEqual({ reply: PHOTO_NOTE, turn: 1 });
      const lines = await listMessages(mycel.proc.store, { channel: 'web', chatId: chat });
      expect(lines.map((l) => l.text)).toEqual(['📷 (photo)', PHOTO_NOTE]);
    } finally {
      await mycel.stop();
    }
  });
});
