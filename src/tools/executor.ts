import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ActivityDeps } from '../deps/activity-deps.js';
import { formatError } from '../shared/errors.js';
import { approvalWorkflowId, WORKFLOW_TYPES } from '../workflows/definitions.js';
import { approvalIdFor, approvalInput, createApproval, getApproval } from './approvals-store.js';
import { MAX_AUDIT_OUTCOME_CHARS, recordAudit } from './audit.js';
import { redactValue } from '../shared/redact.js';
import { decide } from './gate.js';
import { sendApprovalRequest } from './notify.js';
import type { PolicyProvider } from './policy-provider.js';
import type { ToolRegistry } from './registry.js';
import type { ToolCall, ToolContext, ToolDefinition, ToolOutcome } from './types.js';

/** Longest text of a tool's output kept in an outcome summary. */
export const MAX_OUTCOME_SUMMARY_CHARS = 500;

/** The outcome of an audit record whose call started and has not finished (or never will). */
const RUNNING = 'running';
/** Why a call found `running` under its id on a retry is reported, not run again. */
export const NOT_RUN_AGAIN = 'the worker stopped while the call ran, so it may have had its effect; it was not run again';

/** What an approval workflow is started with. */
export interface ApprovalWorkflowInput {
  approvalId: string;
  timeoutSeconds: number;
}

/** One-line summary of a tool's output for the audit trail. */
export function summarize(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output) ?? 'null';
  return text.length > MAX_OUTCOME_SUMMARY_CHARS ? `${text.slice(0, MAX_OUTCOME_SUMMARY_CHARS)}…` : text;
}

/**
 * Runs tool calls through the safety gate. Everything happens inside an activity: the
 * policy is enforced here, never by the prompt, and every call — allowed, refused,
 * approved, denied, expired — leaves an audit record.
 */
export class ToolExecutor {
  constructor(
    private readonly deps: ActivityDeps,
    private readonly registry: ToolRegistry,
    private readonly policy: PolicyProvider,
  ) {}

  private async refuse(call: ToolCall, ctx: ToolContext, reason: string): Promise<ToolOutcome> {
    await recordAudit(this.deps.store, {
      callId: ctx.callId,
      channel: ctx.chat.channel,
      chatId: ctx.chat.chatId,
      tool: call.tool,
      decision: 'refused',
      input: call.input,
      outcome: reason,
      decidedBy: 'policy',
    });
    return { callId: ctx.callId, tool: call.tool, status: 'refused', error: reason };
  }

  /** Validates, decides and (if allowed) runs one call; `ask` creates a durable approval. */
  async execute(call: ToolCall, ctx: ToolContext): Promise<ToolOutcome> {
    const tool = this.registry.get(call.tool);
    if (!tool) return this.refuse(call, ctx, `there is no tool "${call.tool}"`);
    const parsed = tool.input.safeParse(call.input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.refuse(call, ctx, `invalid input for ${tool.id}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
    }
    const policy = this.policy.get();
    const decision = decide(tool, parsed.data, policy, ctx);
    if (decision.cls === 'forbid') return this.refuse(call, ctx, decision.reason);
    if (decision.cls === 'ask') return this.requestApproval(call.tool, parsed.data, ctx, policy.approvalTimeoutSeconds);

    if (tool.atMostOnce) return this.runAtMostOnce(tool, parsed.data, ctx);
    const started = performance.now();
    try {
      const output = await tool.run(parsed.data, ctx);
      await recordAudit(this.deps.store, {
        callId: ctx.callId,
        channel: ctx.chat.channel,
        chatId: ctx.chat.chatId,
        tool: tool.id,
        decision: 'allowed',
        input: parsed.data,
        outcome: summarize(output),
        decidedBy: 'policy',
        durationMs: performance.now() - started,
      });
      return { callId: ctx.callId, tool: tool.id, status: 'ok', output };
    } catch (err) {
      const message = formatError(err);
      const refused = message.startsWith('refused: ');
      await recordAudit(this.deps.store, {
        callId: ctx.callId,
        channel: ctx.chat.channel,
        chatId: ctx.chat.chatId,
        tool: tool.id,
        decision: refused ? 'refused' : 'allowed',
        input: parsed.data,
        outcome: refused ? message.slice('refused: '.length) : `error: ${message}`,
        decidedBy: 'policy',
        durationMs: performance.now() - started,
      });
      return refused
        ? { callId: ctx.callId, tool: tool.id, status: 'refused', error: message.slice('refused: '.length) }
        : { callId: ctx.callId, tool: tool.id, status: 'error', error: message };
    }
  }

  /**
   * Runs an allowed call of a tool that must not run twice (an MCP tool not annotated
   * idempotent): the `allowed` audit record is written as `running` before the call and
   * completed after it, so a retried activity finds the call's id and reports what became
   * of it instead of sending it again.
   */
  private async runAtMostOnce(tool: ToolDefinition, input: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const existing = await this.deps.store.db
      .selectFrom('tool_audit')
      .select(['outcome'])
      .where('call_id', '=', ctx.callId)
      .where('decision', '=', 'allowed')
      .executeTakeFirst();
    if (existing) {
      if (existing.outcome === RUNNING) return { callId: ctx.callId, tool: tool.id, status: 'error', error: NOT_RUN_AGAIN };
      return existing.outcome.startsWith('error: ')
        ? { callId: ctx.callId, tool: tool.id, status: 'error', error: existing.outcome.slice('error: '.length) }
        : { callId: ctx.callId, tool: tool.id, status: 'ok', output: existing.outcome };
    }
    const base = { callId: ctx.callId, channel: ctx.chat.channel, chatId: ctx.chat.chatId, tool: tool.id, decision: 'allowed' as const, input, decidedBy: 'policy' };
    await recordAudit(this.deps.store, { ...base, outcome: RUNNING });
    const started = performance.now();
    let outcome: ToolOutcome;
    try {
      outcome = { callId: ctx.callId, tool: tool.id, status: 'ok', output: await tool.run(input, ctx) };
    } catch (err) {
      outcome = { callId: ctx.callId, tool: tool.id, status: 'error', error: formatError(err) };
    }
    await this.completeAudit(ctx.callId, 'allowed', outcome, performance.now() - started);
    return outcome;
  }

  private async completeAudit(callId: string, decision: 'allowed' | 'approved', outcome: ToolOutcome, durationMs: number): Promise<void> {
    await this.deps.store.db
      .updateTable('tool_audit')
      .set({
        outcome: String(redactValue(outcome.status === 'ok' ? summarize(outcome.output) : `error: ${outcome.error}`)).slice(0, MAX_AUDIT_OUTCOME_CHARS),
        duration_ms: Math.round(durationMs),
      })
      .where('call_id', '=', callId)
      .where('decision', '=', decision)
      .execute();
  }

  private async requestApproval(tool: string, input: unknown, ctx: ToolContext, timeoutSeconds: number): Promise<ToolOutcome> {
    const id = approvalIdFor(ctx.callId);
    const now = new Date();
    const approval = await createApproval(this.deps.store, {
      id,
      call_id: ctx.callId,
      channel: ctx.chat.channel,
      chat_id: ctx.chat.chatId,
      user_id: ctx.userId,
      tool,
      input: JSON.stringify(input),
      requested_at: now.toISOString(),
      expires_at: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
      workflow_id: approvalWorkflowId(id),
    });
    try {
      await this.deps.temporal.workflow.start(WORKFLOW_TYPES.approval, {
        workflowId: approvalWorkflowId(id),
        taskQueue: this.deps.config.temporal.taskQueue,
        args: [{ approvalId: id, timeoutSeconds } satisfies ApprovalWorkflowInput],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await sendApprovalRequest(this.deps, { id: approval.id, chat: ctx.chat, summary: `${tool} ${summarize(input)}` });
    return { callId: ctx.callId, tool, status: 'pending-approval', approvalId: approval.id };
  }

  /**
   * Runs an approved call, at most once: the `approved` audit record is written before the
   * tool runs, so a retried activity finds it and does not run the tool a second time.
   */
  async runApproved(approvalId: string): Promise<ToolOutcome> {
    const approval = await getApproval(this.deps.store, approvalId);
    if (!approval) throw new Error(`unknown approval ${approvalId}`);
    const row = await this.deps.store.db.selectFrom('tool_approvals').select(['call_id', 'user_id']).where('id', '=', approvalId).executeTakeFirstOrThrow();
    const input = await approvalInput(this.deps.store, approvalId);
    const existing = await this.deps.store.db
      .selectFrom('tool_audit')
      .select(['outcome'])
      .where('call_id', '=', row.call_id)
      .where('decision', '=', 'approved')
      .executeTakeFirst();
    if (existing) {
      const done = existing.outcome !== RUNNING;
      return {
        callId: row.call_id,
        tool: approval.tool,
        status: done ? 'ok' : 'error',
        output: done ? existing.outcome : undefined,
        error: done ? undefined : NOT_RUN_AGAIN,
      };
    }
    const tool = this.registry.get(approval.tool);
    const base = { callId: row.call_id, channel: approval.channel, chatId: approval.chatId, tool: approval.tool, decision: 'approved' as const, input, decidedBy: approval.decidedBy ?? 'owner' };
    await recordAudit(this.deps.store, { ...base, outcome: RUNNING });
    const started = performance.now();
    let outcome: ToolOutcome;
    try {
      if (!tool) throw new Error(`the tool "${approval.tool}" no longer exists`);
      const parsed = tool.input.parse(input);
      const output = await tool.run(parsed, {
        chat: { channel: approval.channel as ToolContext['chat']['channel'], chatId: approval.chatId },
        userId: row.user_id,
        turnKey: row.call_id.split('#')[0] ?? row.call_id,
        callId: row.call_id,
        timeZone: this.deps.config.timeZone,
        now: new Date().toISOString(),
      });
      outcome = { callId: row.call_id, tool: approval.tool, status: 'ok', output };
    } catch (err) {
      outcome = { callId: row.call_id, tool: approval.tool, status: 'error', error: formatError(err) };
    }
    await this.completeAudit(row.call_id, 'approved', outcome, performance.now() - started);
    return outcome;
  }
}
