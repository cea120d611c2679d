import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient, eventJson, messageIdOfKey, readEventStream, type ApiClient, type StreamEvent } from '../../src/api/client.js';
import { ErrorSchema } from '../../src/http/error-schema.js';
import { startTestMycel, type TestMycel } from '../support/harness.js';

const TOKEN = 'api-client-test-token';

/**
 * The shared API client (the web app's and `mycel chat`'s) against a running Mycel over real
 * HTTP and Temporal: typed calls, the server's errors as ApiError with its hint, and the
 * chat's event stream read by the shared parser.
 */
describe('the shared typed API client', () => {
  let mycel: TestMycel;
  let api: ApiClient;
  const chatId = `client-${randomBytes(4).toString('hex')}`;
  const path = { chatId };

  beforeAll(async () => {
    mycel = await startTestMycel({ env: { MYCEL_API_TOKEN: TOKEN } });
    api = createApiClient({ baseUrl: mycel.url, token: () => TOKEN });
  });
  afterAll(() => mycel?.stop());

  it('sends a message and reads the transcript with the documented bodies', async () => {
    const sent = await api.ok(api.POST('/api/chats/{chatId}/messages', { params: { path }, body: { text: '/start', messageId: 'c-1' } }));
    expect(typeof sent === 'object' && sent.turn).toBe(1);
    const lines = await api.ok(api.GET('/api/chats/{chatId}/messages', { params: { path, query: { limit: 10 } } }));
    expect(lines.map((l) => l.role)).toEqual(['user', 'assistant']);
    expect(lines[0]).toMatchObject({ text: '/start', at: expect.any(String) });
  });

  it('throws the server\'s error and hint as an ApiError, with the whole body', async () => {
    const conflict = await api.ok(api.POST('/api/chats/{chatId}/messages', { params: { path }, body: { text: '/help', messageId: 'c-1' } })).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ kind: 'conflict', status: 409, hint: expect.any(String), body: { turn: 1 } });
    expect(ErrorSchema.safeParse((conflict as ApiError).body).success).toBe(true);

    const missing = await api.ok(api.DELETE('/api/chats/{chatId}/reminders/{id}', { params: { path: { chatId, id: 'nope' } } })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'not-found', status: 404, hint: expect.stringContaining('/reminders') });

    const failures: ApiError[] = [];
    const anonymous = createApiClient({ baseUrl: mycel.url, onFailure: (e) => failures.push(e) });
    await expect(anonymous.ok(anonymous.GET('/api/approvals'))).rejects.toMatchObject({ kind: 'auth', status: 401 });
    expect(failures.map((f) => f.status)).toEqual([401]);

    const nobody = createApiClient({ baseUrl: 'http://127.0.0.1:9' });
    await expect(nobody.ok(nobody.GET('/api/system'))).rejects.toMatchObject({ kind: 'network', status: 0 });
  });

  it('reads the chat\'s event stream with the shared parser', async () => {
    const stop = new AbortController();
    const events: StreamEvent[] = [];
    const { response } = await api.GET('/api/chats/{chatId}/events', { params: { path, query: { history: 2 } }, parseAs: 'stream', signal: stop.signal });
    const reading = readEventStream(
      response.body!,
      (event) => {
        events.push(event);
        if (events.filter((e) => e.event === 'message').length === 2) stop.abort();
      },
      { signal: stop.signal },
    ).catch(() => undefined);
    await reading;
    expect(eventJson(events[0]!, 'EventsReady')).toMatchObject({ replayed: 2 });
    const lines = events.filter((e) => e.event === 'message').map((e) => eventJson(e, 'TranscriptEvent'));
    expect(lines.map((l) => l?.text)).toEqual(['/start', expect.any(String)]);
    expect(typeof lines[0]?.id).toBe('number');
  });

  it('names the message a reply part belongs to by a key the client reads back', async () => {
    const stop = new AbortController();
    const deltas: StreamEvent[] = [];
    let ready!: () => void;
    const opened = new Promise<void>((r) => (ready = r));
    const { response } = await api.GET('/api/chats/{chatId}/events', { params: { path }, parseAs: 'stream', signal: stop.signal });
    const reading = readEventStream(
      response.body!,
      (event) => {
        if (event.event === 'ready') ready();
        if (event.event === 'delta') {
          deltas.push(event);
          stop.abort();
        }
      },
      { signal: stop.signal },
    ).catch(() => undefined);
    await opened;
    await api.ok(api.POST('/api/chats/{chatId}/messages', { params: { path }, body: { text: '/help', messageId: 'c-delta' } }));
    await reading;
    const key = eventJson(deltas[0]!, 'ReplyDelta')?.key;
    expect(messageIdOfKey(chatId, key ?? '')).toBe('c-delta');
  });
});
