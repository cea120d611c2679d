import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiDocument, renderApiTypes } from './api-types.js';

/** The clients' API types are generated from the server's OpenAPI document: this fails while they are stale. */
describe('the generated API types', () => {
  it('are current with the routes (run `npm run api:types` after changing a route schema)', async () => {
    const expected = await renderApiTypes(await apiDocument());
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    expect(committed === expected, 'src/api/schema.gen.ts is stale: run `npm run api:types`').toBe(true);
  });

  it('describe the one Error shape and the chat\'s streamed events', async () => {
    const source = readFileSync(API_TYPES_FILE, 'utf8');
    expect(source).toMatch(/Error: \{\s+\/\*\* @description what failed[^\n]*\n\s+error: string;\s+\/\*\* @description what to do[^\n]*\n\s+hint\?: string;/);
    for (const name of ['ReplyDelta', 'ReplyReset', 'StreamError', 'EventsReady', 'TranscriptEvent']) expect(source).toContain(`${name}: `);
  });
});
