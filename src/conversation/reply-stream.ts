import { EventEmitter } from 'node:events';
import type { ChatRef } from '../shared/envelope.js';

/**
 * The side channel for replies being written: the brain step publishes each part of the
 * reply as it comes, keyed by the chat and the turn's idempotency key; the HTTP API and the
 * chat's event stream follow it (Telegram's live view is fed by the brain step itself).
 * Parts never go through the workflow history: the activity's result (the whole reply)
 * stays the one record of the turn.
 *
 * `InProcessReplyStreams` serves a process that runs both the worker and the gateway
 * (`mycel start`). When they are separate processes (`mycel worker`, `mycel gateway`),
 * `SharedReplyStreams` (./reply-streams/) carries the parts through the database.
 */

/** One event of a reply being written. */
export type ReplyStreamEvent = { type: 'delta'; text: string } | { type: 'reset' };

export interface ReplyStreamMessage {
  chat: ChatRef;
  /** The turn's idempotency key (the envelope's updateId, `web:api:<messageId>`). */
  turnKey: string;
  event: ReplyStreamEvent;
}

export interface ReplyStreams {
  publish(message: ReplyStreamMessage): void;
  /** Follows the parts of every turn of one chat; returns the function that stops it. */
  subscribe(chat: ChatRef, listener: (message: ReplyStreamMessage) => void): () => void;
  /**
   * Resolves when every part published so far has left this process (streams shared through
   * the database); the brain step waits for it, so parts travel ahead of the reply.
   */
  flush?(): Promise<void>;
  /** Hands subscribers every part that reached the shared stream before now (the reply came first). */
  catchUp?(): Promise<void>;
}

function topic(chat: ChatRef): string {
  return `${chat.channel}:${chat.chatId}`;
}

/** Reply parts within one process (worker and gateway together). */
export class InProcessReplyStreams implements ReplyStreams {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open stream; the HTTP layer bounds how many there are.
    this.emitter.setMaxListeners(0);
  }

  publish(message: ReplyStreamMessage): void {
    this.emitter.emit(topic(message.chat), message);
  }

  subscribe(chat: ChatRef, listener: (message: ReplyStreamMessage) => void): () => void {
    const name = topic(chat);
    // A failing follower must not fail the brain step that publishes.
    const safe = (message: ReplyStreamMessage) => {
      try {
        listener(message);
      } catch {
        /* the follower's own problem */
      }
    };
    this.emitter.on(name, safe);
    return () => this.emitter.off(name, safe);
  }

  /** Followers of one chat right now (tests, metrics). */
  followers(chat: ChatRef): number {
    return this.emitter.listenerCount(topic(chat));
  }
}

/**
 * Follows the text of one turn's reply: the parts since the last reset. Used by every
 * follower to tell, once the reply is known, whether what it showed matches it.
 */
export class ReplyDraft {
  text = '';
  /** Parts shown since the start (resets included); 0 means nothing was streamed. */
  parts = 0;

  apply(event: ReplyStreamEvent): void {
    if (event.type === 'reset') this.text = '';
    else {
      this.text += event.text;
      this.parts += 1;
    }
  }

  /** Whether the shown text is the reply (whitespace at the ends aside). */
  matches(reply: string): boolean {
    return this.parts > 0 && this.text.trim() === reply.trim();
  }
}
