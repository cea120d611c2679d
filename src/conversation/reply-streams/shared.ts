import type { Logger } from '../../logging/logger.js';
import { formatError } from '../../shared/errors.js';
import type { ChatRef } from '../../shared/envelope.js';
import { InProcessReplyStreams, type ReplyStreamMessage, type ReplyStreams } from '../reply-stream.js';
import { coalesce, type ReplyTransport } from './transport.js';

/**
 * Reply parts shared between processes through the database, for a split deployment:
 * `mycel worker` publishes the parts its brain steps produce, `mycel gateway` follows them
 * for the HTTP API's event streams. Publishing never waits: parts queue and leave in order,
 * those published while a write is in flight together (joined into one part per turn);
 * `flush` resolves when all have left, and the brain step waits for it before it returns, so
 * a turn's parts are shared before its reply. A part that cannot be shared (the database is
 * away) is logged and dropped: followers then get the whole reply at the end, as one part.
 */
export class SharedReplyStreams implements ReplyStreams {
  /** Fans received parts out to this process's followers. */
  private readonly local = new InProcessReplyStreams();
  private queue: ReplyStreamMessage[] = [];
  private sending: Promise<void> | undefined;
  private warned = false;
  private transport: ReplyTransport | undefined;

  constructor(private readonly logger: Logger) {}

  /**
   * Starts sharing through `transport` (the database is open by then), and following the
   * parts other processes share when `follow` (gateways; a worker only publishes).
   */
  async start(transport: ReplyTransport, options: { follow: boolean }): Promise<void> {
    this.transport = transport;
    if (options.follow) await transport.listen((message) => this.local.publish(message));
    this.kick();
  }

  publish(message: ReplyStreamMessage): void {
    this.queue.push(message);
    this.kick();
  }

  private kick(): void {
    if (this.transport) this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  subscribe(chat: ChatRef, listener: (message: ReplyStreamMessage) => void): () => void {
    return this.local.subscribe(chat, listener);
  }

  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  async catchUp(): Promise<void> {
    await this.transport?.catchUp();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.transport?.close();
    this.transport = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = coalesce(this.queue.splice(0));
      try {
        await this.transport!.send(batch);
        this.warned = false;
      } catch (err) {
        if (!this.warned) this.logger.warn(`reply parts could not be shared with other processes (followers get the whole reply at the end): ${formatError(err)}`);
        this.warned = true;
      }
    }
  }
}
