import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import { PACKAGE_ROOT } from '../../src/shared/paths.js';
import { startTestMycel, testDialects, type TestMycel } from '../support/harness.js';
import { WhatsAppStandIn } from '../support/whatsapp-server.js';

const run = promisify(execFile);

/** Fresh numbers per run: chat workflow ids are shared by every test file on the dev server. */
const BASE = 4_930_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

describe.each(testDialects())('the WhatsApp webhook and sender, against the stand-in Graph API, on $name', (dialect) => {
  const base = BASE + (dialect.name === 'sqlite' ? 0 : 50);
  const OWNER = String(base + 1);
  const OWNER_2 = String(base + 2);
  const OWNER_3 = String(base + 3);
  const STRANGER = String(base + 9);
  let wa: WhatsAppStandIn;
  let mycel: TestMycel;
  const inbox = () => mycel.proc.store.db.selectFrom('channel_inbox').selectAll().where('channel', '=', 'whatsapp').execute();

  beforeAll(async () => {
    wa = await WhatsAppStandIn.start();
    mycel = await startTestMycel({ dialect, env: wa.env([OWNER, OWNER_2, OWNER_3]) });
    wa.webhookUrl = `${mycel.url}/webhooks/whatsapp`;
  });
  afterAll(async () => {
    await mycel?.stop();
    await wa?.stop();
  });

  it('answers the verification handshake only with the verify token and mode "subscribe"', async () => {
    expect(await wa.verify({ 'hub.mode': 'subscribe', 'hub.verify_token': wa.verifyToken, 'hub.challenge': '1158201444' })).toEqual({ status: 200, body: '1158201444' });
    expect((await wa.verify({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' })).status).toBe(403);
    expect((await wa.verify({ 'hub.mode': 'unsubscribe', 'hub.verify_token': wa.verifyToken, 'hub.challenge': '1' })).status).toBe(403);
    expect((await wa.verify({ 'hub.mode': 'subscribe', 'hub.challenge': '1' })).status).toBe(403);
  });

  it('refuses a missing, malformed or wrong signature with 401 and stores nothing', async () => {
    const message = wa.text('/start');
    const payload = wa.payload(OWNER, [message]);
    expect(await wa.deliver(payload, { signature: '' })).toBe(401);
    expect(await wa.deliver(payload, { signature: 'sha256=nothex' })).toBe(401);
    expect(await wa.deliver(payload, { secret: 'another-app-secret' })).toBe(401);
    // Signed, then changed on the way: the signature no longer covers the body.
    const body = JSON.stringify(payload);
    const { signBody } = await import('../../src/whatsapp/webhook.js');
    const forged = await fetch(wa.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, wa.appSecret) }, body: body.replace('/start', '/help') });
    expect(forged.status).toBe(401);
    expect((await inbox()).map((r) => r.event_id)).not.toContain(message.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(wa.sentTo(OWNER)).toEqual([]);
  });

  it('takes status updates and other numbers’ messages without storing them, and refuses what is not a WhatsApp payload with 400', async () => {
    const before = (await inbox()).length;
    const statuses = wa.payload(OWNER, []);
    const value = (statuses.entry as any)[0].changes[0].value;
    delete value.messages;
    value.statuses = [{ id: 'wamid.out1', status: 'delivered', timestamp: '1700000000', recipient_id: OWNER }];
    expect(await wa.deliver(statuses)).toBe(200);
    const elsewhere = wa.payload(OWNER, [wa.text('hi')]);
    (elsewhere.entry as any)[0].changes[0].value.metadata.phone_number_id = '999999999';
    expect(await wa.deliver(elsewhere)).toBe(200);
    expect(await wa.deliver({ hello: 'world' })).toBe(400);
    expect(await wa.deliver(wa.payload('+49 151', [wa.text('hi')]))).toBe(400);
    expect((await inbox()).length).toBe(before);
  });

  it('keeps the order of several messages in one delivery and counts a repeat inside it', async () => {
    const [a, b] = [wa.text('/remember the door code is 4711'), wa.text('/memories')];
    expect(await wa.deliver(wa.payload(OWNER_2, [a, b, a]))).toBe(200);
    const [, second] = await wa.waitForMessages(OWNER_2, 2);
    expect(second!.text).toContain('door code is 4711');
    await mycel.whatsapp().dispatcher.idle();
    const rows = (await inbox()).filter((r) => r.lane === `chat:${OWNER_2}`);
    expect(rows.map((r) => [r.status, Number(r.duplicates)])).toEqual([
      ['done', 1],
      ['done', 0],
    ]);
    const metrics = (await mycel.api('/metrics')).body as string;
    expect(metrics).toMatch(/mycel_channel_events_total\{channel="whatsapp",type="text",outcome="done"\} [1-9]/);
    expect(metrics).toMatch(/mycel_channel_messages_total\{channel="whatsapp",result="sent"\} [1-9]/);
    expect(metrics).toMatch(/mycel_duplicates_dropped_total\{channel="whatsapp"\} [1-9]/);
  });

  it('answers media with a note and no turn', async () => {
    expect(await wa.deliver(wa.payload(OWNER_3, [{ id: wa.messageId(), type: 'image', image: { id: '1', mime_type: 'image/jpeg', sha256: 'x' } }]))).toBe(200);
    const [note] = await wa.waitForMessages(OWNER_3, 1);
    expect(note!.text).toMatch(/can't look at pictures/);
  });

  it('splits a long message within the limits, puts the buttons on a short last part, and sends nothing twice for one key', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Line ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(2).trim()}`).join('\n');
    const before = wa.sentTo(OWNER_3).length;
    const message = { channel: 'whatsapp' as const, chatId: OWNER_3, text: long, key: 'test:wa-long-1', buttons: [{ text: 'Stop', data: 'sig:wf-x:finish:' }] };
    expect(await mycel.proc.outbound.send(message)).toBe(true);
    const parts = wa.sentTo(OWNER_3).slice(before);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const p of parts.slice(0, -1)) expect([p.type, p.text.length <= 4096]).toEqual(['text', true]);
    const last = parts.at(-1)!;
    expect([last.type, last.text.length <= 1024, last.buttons.map((b) => b.reply.title)]).toEqual(['interactive', true, ['Stop']]);
    expect(parts.map((p) => p.text).join('\n')).toBe(long);
    await mycel.proc.outbound.send(message);
    expect(wa.sentTo(OWNER_3).length).toBe(before + parts.length);
  });

  it('retries a send the Graph API keeps refusing with 503: the error goes to the caller, the retry sends once', async () => {
    wa.failNext({ status: 503, to: OWNER_3 }, 3);
    const message = { channel: 'whatsapp' as const, chatId: OWNER_3, text: '⏰ drink water', key: 'promise:wa-test-1' };
    await expect(mycel.proc.outbound.send(message)).rejects.toThrow(/503/);
    await mycel.proc.outbound.send(message);
    await mycel.proc.outbound.send(message);
    expect(wa.sentTo(OWNER_3).filter((m) => m.text === '⏰ drink water')).toHaveLength(1);
    expect(wa.calls.filter((c) => c.to === OWNER_3).slice(-4).map((c) => c.status)).toEqual([503, 503, 503, 200]);
  });

  it('lets a stranger in once an owner approves their pairing code with the CLI, and not before', async () => {
    await wa.send(STRANGER, 'hello?', 'Eve');
    const [pairing] = await wa.waitForMessages(STRANGER, 1);
    const code = /pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(pairing!.text)![1]!;
    await wa.send(STRANGER, '/start');
    await mycel.whatsapp().dispatcher.idle();
    expect(wa.sentTo(STRANGER)).toHaveLength(1);
    await expect(mycel.proc.client.workflow.getHandle(`chat-whatsapp-${STRANGER}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const { stdout } = await run(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'mycel.js'), 'pairing', 'approve', code], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, MYCEL_DATA_DIR: mycel.config.dataDir, MYCEL_DATABASE_URL: mycel.config.databaseUrl, MYCEL_LOG_LEVEL: 'warn' },
    });
    expect(stdout).toContain(`Approved Eve (WhatsApp number ${STRANGER})`);
    await wa.send(STRANGER, '/start');
    const [, hello] = await wa.waitForMessages(STRANGER, 2);
    expect(hello!.text).toMatch(/Mycel/);
    const lines = await listMessages(mycel.proc.store, { channel: 'whatsapp', chatId: STRANGER });
    expect(lines.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['/start']);
  }, 120_000);
});
