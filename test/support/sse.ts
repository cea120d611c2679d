import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event as a test sees it, with its place in arrival order. */
export interface SeenEvent {
  event: string;
  data: any;
  id?: string | undefined;
}

/**
 * Reads a text/event-stream response, calling `onEvent` for each event as it arrives (data
 * parsed as JSON), until the stream ends or `until` returns true.
 */
export async function readEvents(res: Response, onEvent: (event: SeenEvent) => void | Promise<void>, until: (event: SeenEvent) => boolean = () => false): Promise<SeenEvent[]> {
  const seen: SeenEvent[] = [];
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return seen;
    parser.feed(value);
    while (pending.length) {
      const message = pending.shift()!;
      let data: unknown = message.data;
      try {
        data = JSON.parse(message.data);
      } catch {
        // keep the text
      }
      const event = { event: message.event ?? 'message', data, id: message.id };
      seen.push(event);
      await onEvent(event);
      if (until(event)) {
        await reader.cancel().catch(() => undefined);
        return seen;
      }
    }
  }
}
