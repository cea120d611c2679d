import { WorkflowNotFoundError } from '@temporalio/client';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/conversation/transcript.js';
import type { Channel } from '../../src/shared/envelope.js';
import { startTestMycel, type TestMycel } from './harness.js';
import { waitFor } from './wait.js';

/** A message Mycel sent on a channel, as every harness shows it. */
export interface ChannelMessage {
  text: string;
  /** Labels of its buttons, in order. */
  buttons: string[];
}

/**
 * What the shared contract suite needs of a channel: its stand-in service, started and
 * driven the way the real service would (updates in, sends out), with ids of its own.
 */
export interface ChannelTestHarness {
  readonly channel: Channel;
  /** A fresh user id on this channel (its private chat has the same id). */
  newUser(): string;
  /** The variables that turn the channel on against the stand-in; `port` is the HTTP port Mycel will listen on. */
  env(owners: string[], port: number): Record<string, string>;
  /** Called once Mycel runs. */
  attach(mycel: TestMycel): void;
  /** The user writes `text`; returns a handle for delivering the very same event again. */
  say(user: string, text: string): Promise<unknown>;
  /** Delivers an event again, as the service does when it did not hear the acknowledgement. */
  redeliver(event: unknown): Promise<void>;
  /** Messages Mycel sent to the user's chat, in order. */
  messagesTo(user: string): ChannelMessage[];
  /** The user presses the button labelled `label` of the `index`-th message sent to them. */
  press(user: string, index: number, label: string): Promise<void>;
  /** The service refuses the next send to the user's chat with this HTTP status (429: too many requests). */
  failNextSend(user: string, status: number): void;
  /** The HTTP statuses the service answered to sends to the user's chat, in order. */
  sendStatuses(user: string): number[];
  /** Resolves when every delivered event was handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const waitForMessages = (h: ChannelTestHarness, user: string, count: number, ms = 30_000) =>
  waitFor(() => {
    const got = h.messagesTo(user);
    return got.length >= count ? got : undefined;
  }, ms, `${count} ${h.channel} message(s) to ${user}`);

const waitForText = (h: ChannelTestHarness, user: string, pattern: RegExp, ms = 30_000) =>
  waitFor(() => h.messagesTo(user).find((m) => pattern.test(m.text)), ms, `a ${h.channel} message to ${user} matching ${pattern}`);

/**
 * One contract test suite, run against every channel adapter with its stand-in (as one
 * backend suite runs against each storage backend): what every channel must do the same way.
 */
export function channelContractSuite(name: string, makeHarness: () => Promise<ChannelTestHarness>): void {
  describe(`the ${name} channel keeps the channel contract`, () => {
    let h: ChannelTestHarness;
    let mycel: TestMycel;
    let owners: string[];
    let stranger: string;

    beforeAll(async () => {
      h = await makeHarness();
      owners = Array.from({ length: 5 }, () => h.newUser());
      stranger = h.newUser();
      const port = await getPort();
      mycel = await startTestMycel({ env: { ...h.env(owners, port), MYCEL_HTTP_PORT: String(port) } });
      h.attach(mycel);
    });
    afterAll(async () => {
      await mycel?.stop();
      await h?.stop();
    });

    it('serves an owner: a turn in, the reply out on the same chat, the turn in the transcript', async () => {
      const owner = owners[0]!;
      await h.say(owner, '/start');
      const [hello] = await waitForMessages(h, owner, 1);
      expect(hello!.text).toMatch(/Mycel/);
      await h.idle();
      const lines = await listMessages(mycel.proc.store, { channel: h.channel, chatId: owner });
      expect(lines.map((l) => [l.role, l.text.split('\n')[0]])).toEqual([
        ['user', '/start'],
        ['assistant', hello!.text.split('\n')[0]],
      ]);
    });

    it('gives a stranger one pairing code and nothing reaches the conversation', async () => {
      await h.say(stranger, 'hello');
      await h.say(stranger, '/remember my pin is 1234');
      await waitForMessages(h, stranger, 1);
      await h.idle();
      const sent = h.messagesTo(stranger);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.text).toMatch(/pairing code: [A-Z0-9]{4}-[A-Z0-9]{4}/);
      await expect(mycel.proc.client.workflow.getHandle(`chat-${h.channel}-${stranger}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(await listMessages(mycel.proc.store, { channel: h.channel, chatId: stranger })).toEqual([]);
    });

    it('drops a redelivered event: one turn, one reply', async () => {
      const owner = owners[1]!;
      // A reply that fits one message on every channel (Discord's limit is 2,000 characters).
      const event = await h.say(owner, '/reminders');
      await h.redeliver(event);
      await waitForMessages(h, owner, 1);
      await h.idle();
      await h.redeliver(event);
      await h.idle();
      // Time for a second reply, were one coming.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(h.messagesTo(owner)).toHaveLength(1);
      const lines = await listMessages(mycel.proc.store, { channel: h.channel, chatId: owner });
      expect(lines.filter((l) => l.role === 'user').map((l) => l.text)).toEqual(['/reminders']);
    });

    it('delivers a reminder on the chat exactly once', async () => {
      const owner = owners[2]!;
      await h.say(owner, '/remind 3s stretch your legs');
      const [confirmation] = await waitForMessages(h, owner, 1);
      expect(confirmation!.text).toMatch(/stretch your legs/);
      await waitForText(h, owner, /^⏰ stretch your legs$/);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(h.messagesTo(owner).filter((m) => m.text.startsWith('⏰'))).toHaveLength(1);
      const lines = await listMessages(mycel.proc.store, { channel: h.channel, chatId: owner });
      expect(lines.filter((l) => l.kind === 'reminder').map((l) => l.text)).toEqual(['⏰ stretch your legs']);
    });

    it('decides a tool approval with its button: the command runs once and the outcome is posted', async () => {
      const owner = owners[3]!;
      await h.say(owner, '/sh touch from-channel.txt');
      const request = await waitForText(h, owner, /^Approval needed \(ap-[0-9a-f]+\): shell/);
      expect(request.buttons).toEqual(['Approve', 'Deny']);
      const approvalId = /\((ap-[0-9a-f]+)\)/.exec(request.text)![1]!;
      const index = h.messagesTo(owner).findIndex((m) => m.text === request.text);
      await h.press(owner, index, 'Approve');
      await h.press(owner, index, 'Deny');
      await waitForText(h, owner, new RegExp(`^Approved ${approvalId} \\(shell\\)`));
      await h.idle();
      expect(h.messagesTo(owner).filter((m) => m.text.startsWith('Approval needed'))).toHaveLength(1);
      expect(h.messagesTo(owner).filter((m) => m.text.startsWith(`Approved ${approvalId} (shell)`))).toHaveLength(1);
      const audit = await mycel.api('/api/audit?limit=50');
      const decided = audit.body.filter((r: { decision: string; tool: string; chatId: string }) => r.tool === 'shell' && r.chatId === owner && ['approved', 'denied'].includes(r.decision));
      expect(decided).toHaveLength(1);
      expect(decided[0]).toMatchObject({ decision: 'approved', decidedBy: `${h.channel}:${owner}` });
    });

    it('retries a send refused with 429 without sending twice', async () => {
      const owner = owners[4]!;
      // Earlier tests may have sent this owner approval requests (they go to every owner): count from here.
      const sendsBefore = h.sendStatuses(owner).length;
      const messagesBefore = h.messagesTo(owner).length;
      h.failNextSend(owner, 429);
      await h.say(owner, '/start');
      await waitForMessages(h, owner, messagesBefore + 1);
      await h.idle();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(h.sendStatuses(owner).slice(sendsBefore)).toEqual([429, 200]);
      expect(h.messagesTo(owner)).toHaveLength(messagesBefore + 1);
    });

    it('lists its chats at /api/chats?channel= and ?channel=all, and reads their transcripts with ?channel=', async () => {
      const owner = owners[0]!;
      const mine = await mycel.api(`/api/chats?channel=${h.channel}`);
      expect(mine.status).toBe(200);
      expect(mine.body.map((c: { chatId: string }) => c.chatId)).toEqual(expect.arrayContaining(owners));
      expect(mine.body.every((c: { channel: string }) => c.channel === h.channel)).toBe(true);
      expect(mine.body.map((c: { chatId: string }) => c.chatId)).not.toContain(stranger);
      const all = await mycel.api('/api/chats?channel=all');
      expect(all.body).toContainEqual(expect.objectContaining({ channel: h.channel, chatId: owner, messages: expect.any(Number) }));
      expect((await mycel.api('/api/chats')).body.filter((c: { channel: string }) => c.channel !== 'web')).toEqual([]);
      expect((await mycel.api('/api/chats?channel=fax')).status).toBe(400);
      const transcript = await mycel.api(`/api/chats/${owner}/messages?channel=${h.channel}`);
      expect(transcript.body[0]).toMatchObject({ role: 'user', text: '/start' });
      expect((await mycel.api(`/api/chats/${owner}/messages`)).body).toEqual([]);
    });
  });
}
