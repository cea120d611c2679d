import { z } from 'zod';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { defineTool, type ToolDefinition } from '../tools/types.js';
import { canonicalTimeZone, setChatTimeZone } from './chats.js';

/** The conversation's own tools: chat settings. */
export function createConversationTools(deps: ActivityDeps): ToolDefinition[] {
  return [
    defineTool({
      id: 'chat.timezone',
      description: "Set the chat's time zone (an IANA name such as Europe/Berlin); times like 17:30 are then read in it.",
      input: z.object({
        timeZone: z
          .string()
          .min(1)
          .max(64)
          .refine((zone) => canonicalTimeZone(zone) !== undefined, 'must be an IANA time zone, for example Europe/Berlin or UTC'),
      }),
      policy: 'allow',
      async run(input, ctx) {
        const timeZone = await setChatTimeZone(deps.store, ctx.chat, input.timeZone);
        return { timeZone };
      },
    }),
  ];
}
