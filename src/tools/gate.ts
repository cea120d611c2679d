import { checkCommandLine } from './builtin/shell.js';
import { ownEntry, toolEnabledInChat, type ToolsPolicy } from './policy.js';
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
  const cls = toolClass(policy, tool);
  return { cls, reason: cls === 'forbid' ? `the tool "${tool.id}" is forbidden by the tools policy` : `the tool "${tool.id}" is "${cls}"` };
}

/**
 * The class the policy file gives a tool: its own entry, else the nearest wildcard entry
 * (`mcp.<server>.*`, then `mcp.*`), else the tool's default.
 */
export function toolClass(policy: Pick<ToolsPolicy, 'tools'>, tool: Pick<ToolDefinition, 'id' | 'policy'>): PolicyClass {
  const own = ownEntry(policy.tools, tool.id);
  if (own) return own;
  const parts = tool.id.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const wildcard = ownEntry(policy.tools, `${parts.slice(0, n).join('.')}.*`);
    if (wildcard) return wildcard;
  }
  return tool.policy;
}
