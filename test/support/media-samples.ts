/**
 * The smallest files each accepted type is recognised by (its header, then padding): enough
 * for Mycel's content check and for the stand-ins, which never decode them.
 */
export function sampleJpeg(size = 64): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
  return bytes;
}

export function sampleOgg(size = 64): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([...Buffer.from('OggS'), 0, 2]);
  return bytes;
}
