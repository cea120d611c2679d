import { describe, expect, it } from 'vitest';
import { apiPath } from '../../../web/src/lib/api.js';
import { channelQuery } from '../../../web/src/lib/chat-param.js';
import { capabilitiesFrom } from '../../../web/src/lib/capabilities.js';

describe('the web app\'s API paths', () => {
  it('encodes each path parameter', () => {
    expect(apiPath('/api/chats/{chatId}/reminders/{id}', { chatId: 'a:b', id: 'x/y' })).toBe('/api/chats/a%3Ab/reminders/x%2Fy');
  });

  it('reads what the server offers from its OpenAPI document', () => {
    const caps = capabilitiesFrom({
      paths: {
        '/api/chats/{chatId}/memories': { get: { parameters: [{ name: 'chatId', in: 'path' }, { name: 'search', in: 'query' }] } },
        '/api/pipelines/{id}/runs': { post: {}, get: {} },
      },
    });
    expect(caps.has('get', '/api/chats/{chatId}/memories')).toBe(true);
    expect(caps.has('delete', '/api/chats/{chatId}/memories')).toBe(false);
    expect(caps.queryParams('get', '/api/chats/{chatId}/memories')).toEqual(['search']);
    expect(caps.find('post', /^\/api\/pipelines\/\{[^}]+\}\/runs?$/)).toBe('/api/pipelines/{id}/runs');
  });

  it('asks for ?channel= in typed calls only outside the web channel', () => {
    expect(channelQuery('web')).toEqual({});
    expect(channelQuery('telegram')).toEqual({ channel: 'telegram' });
  });
});

describe('live transcript events', () => {
  it('reads a transcript line from an event, ignoring anything else', async () => {
    const { parseLine } = await import('../../../web/src/pages/chat.js');
    expect(parseLine('{"id":3,"role":"assistant","text":"⏰ tea","at":"2026-01-01T00:00:00.000Z","kind":"reminder","turn":null}')).toEqual({ role: 'assistant', text: '⏰ tea', at: '2026-01-01T00:00:00.000Z', kind: 'reminder' });
    expect(parseLine('{"after":3}')).toBeUndefined();
    expect(parseLine('not json')).toBeUndefined();
  });
});
