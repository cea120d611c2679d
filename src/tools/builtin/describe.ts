import { z } from 'zod';
import { ownEntry, type ToolsPolicy } from '../policy.js';
import type { ToolRegistry } from '../registry.js';
import { defineTool } from '../types.js';
import { toolClass } from '../gate.js';

/** `tools.describe`: the tools of this chat and what the policy says of each (for `/tools`). */
export function describeTool(getPolicy: () => ToolsPolicy, registry: () => ToolRegistry) {
  return defineTool({
    id: 'tools.describe',
    description: 'List the tools, their policy class (allow, ask, forbid) and the shell command lists.',
    input: z.object({}).default({}),
    policy: 'allow',
    forModel: false,
    async run() {
      const policy = getPolicy();
      const commands = Object.entries(policy.commands);
      return {
        sandbox: policy.sandboxPath,
        tools: registry()
          .list()
          .filter((t) => t.id !== 'tools.describe')
          .map((t) => ({ id: t.id, description: t.description, policy: t.id === 'shell' ? 'per command' : toolClass(policy, t) })),
        commands: {
          allow: commands.filter(([c, p]) => p === 'allow' && c !== '*').map(([c]) => c),
          ask: commands.filter(([c, p]) => p === 'ask' && c !== '*').map(([c]) => c),
          forbid: commands.filter(([c, p]) => p === 'forbid' && c !== '*').map(([c]) => c),
          otherwise: ownEntry(policy.commands, '*') ?? 'ask',
        },
        hosts: policy.hosts,
      };
    },
  });
}
