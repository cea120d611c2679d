import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { MycelConfig } from '../../config/config.js';
import { getChatSettings } from '../../conversation/chats.js';
import { InvalidEnvelopeError, TurnTimeoutError, type Ingress } from '../../conversation/ingress.js';
import type { Logger } from '../../logging/logger.js';
import { rememberExplicitFact } from '../../memory/explicit.js';
import { deleteFacts, searchFacts } from '../../memory/store.js';
import { MAX_FACT_CHARS } from '../../memory/types.js';
import type { Metrics } from '../../metrics/metrics.js';
import { runResult, startPipelineRun } from '../../pipelines/client.js';
import { findDefinition, listDefinitions } from '../../pipelines/store.js';
import { cancelPromise, createPromise, listPromises, promiseView } from '../../promises/service.js';
import { MAX_WHEN_CHARS, PromiseTimeError } from '../../promises/tools.js';
import { MAX_REMINDER_TEXT_CHARS, describeWhen, parseWhen } from '../../promises/when.js';
import { channelSchema, chatIdSchema, ENVELOPE_VERSION, MAX_MESSAGE_CHARS, type ChatRef } from '../../shared/envelope.js';
import { MycelError } from '../../shared/errors.js';
import type { Store } from '../../storage/database.js';

/**
 * Mycel as an MCP server: the tools other agents call to hand Mycel durable work
 * (reminders, memory, pipelines, a conversation turn). Each tool goes through the same
 * services as the HTTP API and the chat commands, so a reminder made here is an ordinary
 * durable promise. The transports (stdio, Streamable HTTP) live beside this file.
 */

/** The name this server gives itself in the MCP handshake. */
export const MCP_SERVER_NAME = 'mycel';
export const MCP_SERVER_VERSION = '0.1.0';
/** Who an MCP caller is in provenance, audit and cancellations. */
export const MCP_ACTOR = 'mcp';
/** Most matches search_memories returns. */
export const MAX_MCP_SEARCH_RESULTS = 50;
/** Matches search_memories returns unless `limit` says otherwise. */
export const DEFAULT_MCP_SEARCH_RESULTS = 10;
/**
 * How long send_message waits for the reply before answering that the turn is still
 * running: under the 60 s a client waits for a request by default, so the caller gets a
 * tool result it can act on (call again with the same messageId) instead of a timeout.
 */
export const MCP_TURN_REPLY_TIMEOUT_MS = 50_000;
/** Longest run_pipeline waits for a run's result when asked to wait. */
export const MAX_PIPELINE_WAIT_SECONDS = 50;

export interface McpServerDeps {
  config: MycelConfig;
  logger: Logger;
  store: Store;
  temporal: Client;
  /** Where send_message hands its turns (shared with the process's other callers). */
  ingress: Ingress;
  metrics?: Metrics | undefined;
}

const chatIdArg = chatIdSchema.describe(
  'Which chat: any id you choose for a conversation ("me", "project-x"); letters, digits, "_", ".", ":" and "-". The same id reaches the same chat, its reminders and memories again.',
);
const channelArg = channelSchema
  .optional()
  .describe('Leave out for an "mcp" chat of your own. "web" reaches the chat of that id in Mycel\'s web app and HTTP API; "telegram" a Telegram chat (chatId is then the Telegram chat id).');
const keyArg = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'key may contain only letters, digits, "_", ".", ":" and "-"')
  .optional();

/** Thrown for bad arguments the schema cannot see (an unknown pipeline, a time in the past). */
export class McpToolInputError extends MycelError {
  constructor(message: string, hint?: string) {
    super('MCP_TOOL_INPUT', message, hint);
    this.name = 'McpToolInputError';
  }
}

function chatOf(chatId: string, channel: ChatRef['channel'] | undefined): ChatRef {
  return { channel: channel ?? 'mcp', chatId };
}

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Runs a tool's body and turns any failure into a tool error a model can read: Mycel's own
 * errors with their hint, anything else (Temporal or the database unreachable) with its
 * message and a line in the log. The server itself never fails a call.
 */
function guarded<A>(deps: McpServerDeps, tool: string, body: (args: A) => Promise<CallToolResult>): (args: A) => Promise<CallToolResult> {
  return async (args) => {
    try {
      return await body(args);
    } catch (err) {
      if (err instanceof MycelError) return toolError(err.hint ? `${err.message} (${err.hint})` : err.message);
      deps.logger.warn({ err, tool }, `MCP tool ${tool} failed`);
      const message = err instanceof Error ? err.message : String(err);
      return toolError(`${tool} failed: ${message}. Mycel or its Temporal server may be unreachable; try again shortly.`);
    }
  };
}

/** Builds an MCP server with Mycel's tools; connect it to a transport. */
export function createMcpServer(deps: McpServerDeps): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    {
      instructions:
        'Mycel is a personal assistant whose promises are durable: a reminder created here is delivered exactly once at its time, even if Mycel restarts. ' +
        'Chats are named by a chatId you choose; reminders and memories belong to a chat.',
    },
  );
  const promises = { store: deps.store, temporal: deps.temporal, config: deps.config, logger: deps.logger };

  server.registerTool(
    'create_reminder',
    {
      title: 'Create a durable reminder',
      description:
        'Schedule a reminder in a chat. At the due time Mycel posts "⏰ <text>" into that chat, exactly once, even across restarts of Mycel. ' +
        'Use this to hand off any follow-up you cannot wait for yourself. Returns JSON with the reminder "id" (keep it to cancel) and "dueAt" (ISO-8601 UTC).',
      inputSchema: {
        chatId: chatIdArg,
        when: z
          .string()
          .trim()
          .min(1)
          .max(MAX_WHEN_CHARS)
          .describe("When, read in the chat's time zone: 'in 30s', '10m', '2h', '17:30', 'tomorrow at 9', an ISO time like 2030-06-01T09:00, or a repeating rule like 'every weekday at 8'."),
        text: z.string().trim().min(1).max(MAX_REMINDER_TEXT_CHARS).describe('What to remind of, as the person should read it.'),
        channel: channelArg,
        key: keyArg.describe('Optional idempotency key: calling again with the same key returns the same reminder instead of making a second one.'),
      },
      annotations: { destructiveHint: false, openWorldHint: false },
    },
    guarded(deps, 'create_reminder', async ({ chatId, when, text, channel, key }) => {
      const chat = chatOf(chatId, channel);
      const now = new Date();
      const { timeZone } = await getChatSettings(deps.store, chat, deps.config);
      const parsed = parseWhen(when, { now, timeZone, horizonDays: deps.config.promiseHorizonDays });
      if (!parsed.ok) throw new PromiseTimeError(parsed.message);
      const callId = `${MCP_ACTOR}:${chat.channel}:${chatId}:${key ?? randomUUID()}`;
      const { promise, created } = await createPromise(promises, {
        chat,
        userId: MCP_ACTOR,
        text,
        parsed,
        timeZone,
        source: { callId, turnKey: callId },
        now,
      });
      return json({ ...promiseView(promise), when: describeWhen(parsed, timeZone), created });
    }),
  );

  server.registerTool(
    'list_reminders',
    {
      title: "List a chat's reminders",
      description: 'List the reminders of a chat, soonest first, as JSON: id, text, dueAt (ISO-8601 UTC), status, recurrence. Only pending ones unless status says otherwise.',
      inputSchema: { chatId: chatIdArg, channel: channelArg, status: z.enum(['pending', 'delivered', 'cancelled', 'all']).optional().describe('Which reminders; default pending.') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(deps, 'list_reminders', async ({ chatId, channel, status }) => {
      const list = await listPromises(deps.store, chatOf(chatId, channel), status ?? 'pending');
      return json(list.map(promiseView));
    }),
  );

  server.registerTool(
    'cancel_reminder',
    {
      title: 'Cancel a reminder',
      description: 'Cancel a pending reminder of a chat by its id (as create_reminder or list_reminders gave it); a repeating reminder stops for good. Returns the cancelled reminder as JSON.',
      inputSchema: { chatId: chatIdArg, id: z.string().trim().min(1).max(32).describe('The reminder id, like "r1a2b3c4d5e6".'), channel: channelArg },
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded(deps, 'cancel_reminder', async ({ chatId, id, channel }) => {
      return json(promiseView(await cancelPromise(promises, chatOf(chatId, channel), id, MCP_ACTOR)));
    }),
  );

  server.registerTool(
    'remember_fact',
    {
      title: 'Remember a fact',
      description:
        'Store a fact in a chat\'s long-term memory ("my dentist is Dr Lee", "the Wi-Fi password is on the fridge"). A fact that contradicts an older one replaces it; both are kept in history. ' +
        'Returns JSON with "status" (stored, known, asked, history) and the "memory" with its id.',
      inputSchema: {
        chatId: chatIdArg,
        text: z.string().trim().min(1).max(MAX_FACT_CHARS).describe('The fact, as one short sentence.'),
        channel: channelArg,
        key: keyArg.describe('Optional idempotency key: the same key again stores nothing new.'),
      },
      annotations: { destructiveHint: false, openWorldHint: false },
    },
    guarded(deps, 'remember_fact', async ({ chatId, text, channel, key }) => {
      const chat = chatOf(chatId, channel);
      const outcome = await rememberExplicitFact(deps, { chat, text, by: MCP_ACTOR, writeKey: `${MCP_ACTOR}:${chat.channel}:${chatId}:${key ?? randomUUID()}` });
      const { id, text: stored, kind, confidence, validFrom } = outcome.fact;
      return json({ status: outcome.status, memory: { id, text: stored, kind, confidence, validFrom }, ...(outcome.status === 'asked' ? { questionId: outcome.question.id } : {}) });
    }),
  );

  server.registerTool(
    'search_memories',
    {
      title: "Search a chat's memories",
      description: 'Full-text search of the facts a chat remembers, best match first. Returns a JSON array of {id, text, kind, confidence, score, validFrom}; empty when nothing matches.',
      inputSchema: {
        chatId: chatIdArg,
        query: z.string().trim().min(1).max(500).describe('Words to look for, e.g. "dentist".'),
        channel: channelArg,
        limit: z.number().int().min(1).max(MAX_MCP_SEARCH_RESULTS).optional().describe(`How many matches at most (default ${DEFAULT_MCP_SEARCH_RESULTS}).`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(deps, 'search_memories', async ({ chatId, query, channel, limit }) => {
      const facts = await searchFacts(deps.store, chatOf(chatId, channel), query, { limit: limit ?? DEFAULT_MCP_SEARCH_RESULTS });
      return json(facts.map((f) => ({ id: f.id, text: f.text, kind: f.kind, confidence: f.confidence, score: f.score, validFrom: f.validFrom })));
    }),
  );

  server.registerTool(
    'forget_memory',
    {
      title: 'Forget a memory',
      description: 'Delete one fact of a chat for good, by its id (from remember_fact or search_memories). The deletion is audited (who, which id, when; never the text).',
      inputSchema: { chatId: chatIdArg, id: z.string().trim().min(1).max(64).describe('The memory id.'), channel: channelArg },
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded(deps, 'forget_memory', async ({ chatId, id, channel }) => {
      const deleted = await deleteFacts(deps.store, chatOf(chatId, channel), [id], MCP_ACTOR, 'forget');
      if (!deleted.length) throw new McpToolInputError(`There is no memory "${id}" in chat ${chatId}.`, 'find ids with search_memories');
      return json({ id, deleted: true });
    }),
  );

  server.registerTool(
    'list_pipelines',
    {
      title: 'List task pipelines',
      description: "List the task pipelines Mycel's workers loaded (durable DAGs of tasks), as JSON: id, version, description and tasks with their dependencies. Run one with run_pipeline.",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded(deps, 'list_pipelines', async () => {
      const definitions = await listDefinitions(deps.store);
      const latest = definitions.filter((d, i) => definitions.findIndex((x) => x.id === d.id) === i);
      return json(latest.map((d) => ({ id: d.id, version: d.version, description: d.description, tasks: d.tasks })));
    }),
  );

  server.registerTool(
    'run_pipeline',
    {
      title: 'Run a task pipeline',
      description:
        'Start a durable run of a pipeline (an id from list_pipelines) with an optional JSON object as input. Returns JSON with the "runId" and status "running"; ' +
        `with wait: true it waits up to ${MAX_PIPELINE_WAIT_SECONDS} s and returns the result (status succeeded or failed, and each task's output) when the run finishes in that time.`,
      inputSchema: {
        id: z.string().trim().min(1).max(64).describe('The pipeline id.'),
        input: z.record(z.string(), z.unknown()).optional().describe('The run input, a JSON object the tasks read.'),
        wait: z.boolean().optional().describe(`Wait for the result (up to ${MAX_PIPELINE_WAIT_SECONDS} s); default false.`),
      },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    guarded(deps, 'run_pipeline', async ({ id, input, wait }) => {
      const def = await findDefinition(deps.store, id);
      if (!def) throw new McpToolInputError(`There is no pipeline "${id}".`, 'list them with list_pipelines');
      const { runId, handle } = await startPipelineRun(deps.temporal, {
        pipelineId: id,
        version: def.version,
        shape: def.shape,
        input: (input ?? {}) as never,
        trigger: 'mcp',
        taskQueue: deps.config.temporal.taskQueue,
      });
      const started = { runId, pipelineId: id, version: def.version, status: 'running' as const };
      if (!wait) return json(started);
      let stopWaiting: (value: undefined) => void = () => undefined;
      const timedOut = new Promise<undefined>((resolve) => (stopWaiting = resolve));
      const timer = setTimeout(() => stopWaiting(undefined), MAX_PIPELINE_WAIT_SECONDS * 1000);
      const result = await Promise.race([runResult(handle), timedOut]).finally(() => clearTimeout(timer));
      return json(result ?? { ...started, note: `still running after ${MAX_PIPELINE_WAIT_SECONDS} s; GET /api/pipeline-runs/${runId} shows its progress` });
    }),
  );

  server.registerTool(
    'send_message',
    {
      title: 'Send a message to Mycel',
      description:
        'Send a message to a chat with Mycel and get its reply as text, as if the person typed it: slash commands such as /remind 10m tea, /reminders, /remember …, /recall … work, and so does free text when a model is configured. ' +
        'Give a messageId to make it safe to retry: the same messageId returns the first reply and runs nothing twice.',
      inputSchema: {
        chatId: chatIdArg,
        text: z.string().min(1).max(MAX_MESSAGE_CHARS).describe('The message.'),
        channel: channelArg,
        messageId: keyArg.describe('Optional idempotency key of this message.'),
      },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    guarded(deps, 'send_message', async ({ chatId, text, channel, messageId }) => {
      const chat = chatOf(chatId, channel);
      const requestId = randomUUID();
      try {
        const result = await deps.ingress.submit(
          {
            v: ENVELOPE_VERSION,
            channel: chat.channel,
            chatId,
            userId: MCP_ACTOR,
            updateId: `${MCP_ACTOR}:${chat.channel}:${messageId ?? requestId}`,
            sequence: null,
            requestId,
            text,
            receivedAt: new Date().toISOString(),
          },
          { timeoutMs: MCP_TURN_REPLY_TIMEOUT_MS, logger: deps.logger },
        );
        return { content: [{ type: 'text', text: result.reply }] };
      } catch (err) {
        if (err instanceof InvalidEnvelopeError) throw new McpToolInputError(err.message);
        if (err instanceof TurnTimeoutError) {
          const again = messageId ? `call send_message again with messageId "${messageId}" to get the reply once it is ready` : 'pass a messageId next time to be able to fetch a slow reply by calling again';
          return toolError(`${err.message} The turn goes on. ${again}.`);
        }
        throw err;
      }
    }),
  );

  return server;
}
