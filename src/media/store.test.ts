import { mkdtempSync, rmSync, utimesSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaRefusedError, readMedia, resolveMediaPath, saveMedia, sweepMedia } from './store.js';
import { sniffMime } from './sniff.js';
import { sampleJpeg, sampleOgg } from '../../test/support/media-samples.js';


const SAMPLE_JPEG = sampleJpeg(16);
const SAMPLE_OGG = sampleOgg(16);

const limits = { maxImageBytes: 64, maxAudioBytes: 32, retentionDays: 2 };
const chat = { channel: 'telegram' as const, chatId: '42' };
const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mycel-media-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stored media', () => {
  it('types files by their content, not by their name or claim', () => {
    expect(sniffMime(SAMPLE_JPEG)).toBe('image/jpeg');
    expect(sniffMime(SAMPLE_OGG)).toBe('audio/ogg');
    expect(sniffMime(new Uint8Array(Buffer.from('#!/bin/sh\nrm -rf /\n')))).toBeUndefined();
  });

  it('stores a file under media/<channel>-<chat>/<sha256>.<ext> and reads it back by reference', async () => {
    const dir = tmp();
    const ref = await saveMedia(dir, limits, chat, 'image', SAMPLE_JPEG);
    expect(ref).toMatchObject({ kind: 'image', mime: 'image/jpeg', size: SAMPLE_JPEG.length });
    expect(ref.path).toBe(`media/telegram-42/${ref.id}.jpg`);
    expect(await readMedia(dir, ref)).toEqual(SAMPLE_JPEG);
  });

  it('refuses files over the cap and of the wrong type, with a message for the sender', async () => {
    const dir = tmp();
    const big = new Uint8Array(65);
    big.set(SAMPLE_JPEG);
    await expect(saveMedia(dir, limits, chat, 'image', big)).rejects.toThrow(/too large for me/);
    await expect(saveMedia(dir, limits, chat, 'image', SAMPLE_OGG)).rejects.toBeInstanceOf(MediaRefusedError);
    await expect(saveMedia(dir, limits, chat, 'voice', SAMPLE_JPEG)).rejects.toThrow(/could not read that recording/);
    expect(existsSync(path.join(dir, 'media'))).toBe(false);
  });

  it('never resolves a path outside the media folder', () => {
    const dir = tmp();
    const sha = 'a'.repeat(64);
    for (const bad of [`media/../${sha}.jpg`, `../media/x/${sha}.jpg`, '/etc/passwd', `media/x/../../${sha}.jpg`, `mediax/y/${sha}.jpg`]) {
      expect(() => resolveMediaPath(dir, bad)).toThrow(/not a media reference/);
    }
    expect(resolveMediaPath(dir, `media/web-a/${sha}.png`)).toBe(path.join(dir, 'media', 'web-a', `${sha}.png`));
  });

  it('deletes files older than the retention limit, and keeps newer ones', async () => {
    const dir = tmp();
    const old = await saveMedia(dir, limits, chat, 'image', SAMPLE_JPEG);
    const fresh = await saveMedia(dir, limits, { channel: 'web', chatId: 'b' }, 'voice', SAMPLE_OGG);
    const threeDaysAgo = (Date.now() - 3 * 24 * 3600 * 1000) / 1000;
    utimesSync(path.join(dir, old.path), threeDaysAgo, threeDaysAgo);
    writeFileSync(path.join(dir, 'media', 'stray.txt'), 'not a folder');
    expect(await sweepMedia(dir, limits.retentionDays)).toBe(1);
    await expect(readMedia(dir, old)).rejects.toThrow(/no longer stored/);
    expect(await readMedia(dir, fresh)).toEqual(SAMPLE_OGG);
  });
});
