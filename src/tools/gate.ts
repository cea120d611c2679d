import { checkCommandLine } from './builtin/shell.js';
import { toolEnabledInChat, toolPolicy, type ToolsPolicy } from './policy.js';
import type { PolicyClass, ToolContext, ToolDefinition } from './types.js';

export type GateDecision = { cls: PolicyClass; reason: string };

/**
 * The policy decision for one call, made inside the activity before anything runs:
 * per-chat enablement, then the shell tool's per-command rules (metacharacters, paths,
 * allowlist), then the policy file's class for the tool, then the tool's own default.
 */
export function decide(tool: ToolDefinition, input: unknown, policy: ToolsPolicy, ctx: Pick<ToolContext, 'chat'>): GateDecision {
  if (!toolEnabledInChat(policy, ctx.chat, tool.id)) {
    return { cls: 'forbid', reason: `the tool "${tool.id}" is not enabled in this chat` };
  }
  if (tool.id === 'shell') {
    const command = (input as { command: string }).command;
    const checked = checkCommandLine(command, policy);
    if (!checked.ok) return { cls: 'forbid', reason: checked.reason };
    return { cls: checked.policy, reason: `the command "${checked.command}" is "${checked.policy}" in the tools policy` };
  }
  const cls = toolPolicy(policy, tool.id) ?? tool.policy;
  return { cls, reason: cls === 'forbid' ? `the tool "${tool.id}" is forbidden by the tools policy` : `the tool "${tool.id}" is "${cls}"` };
}
