import { call, describeFailure, reply, type OfflineCommand } from '../command.js';

interface Described {
  sandbox: string;
  tools: Array<{ id: string; description: string; policy: string }>;
  commands: { allow: string[]; ask: string[]; forbid: string[]; otherwise: string };
  hosts: string[];
}

interface ShellOutput {
  output: string;
  exitCode: number | null;
  truncated: boolean;
  timedOut: boolean;
}

/** `/tools` and `/sh <command line>` (**contract**). */
export function toolCommands(): OfflineCommand[] {
  const tools: OfflineCommand = {
    name: 'tools',
    usage: '/tools',
    example: '/tools',
    summary: 'list the tools and what the safety policy says of each',
    run(turn) {
      const outcome = turn.result('tools.describe');
      if (!outcome) return call({ tool: 'tools.describe', input: {} });
      if (outcome.status !== 'ok') return reply(`I could not list the tools: ${describeFailure(outcome)}`);
      const d = outcome.output as Described;
      return reply(
        [
          'Tools:',
          ...d.tools.map((t) => `• ${t.id} [${t.policy}] — ${t.description}`),
          `Shell commands allowed: ${d.commands.allow.join(', ') || 'none'}`,
          `Shell commands forbidden: ${d.commands.forbid.join(', ') || 'none'}`,
          ...(d.commands.ask.length ? [`Shell commands that ask first: ${d.commands.ask.join(', ')}`] : []),
          `Any other shell command: ${d.commands.otherwise}`,
          `Hosts the http tool may reach: ${d.hosts.join(', ') || 'none'}`,
        ].join('\n'),
      );
    },
  };

  const sh: OfflineCommand = {
    name: 'sh',
    usage: '/sh <command line>',
    example: '/sh ls -la',
    summary: 'run one allowlisted command in the sandbox folder (others wait for approval or are refused)',
    run(turn) {
      if (!turn.args) return reply('Usage: /sh <command line>, for example /sh ls -la');
      const outcome = turn.result('shell');
      if (!outcome) return call({ tool: 'shell', input: { command: turn.args } });
      switch (outcome.status) {
        case 'ok': {
          const out = outcome.output as ShellOutput;
          const text = out.output.trimEnd() || '(no output)';
          const notes = [
            out.truncated ? '(output truncated)' : '',
            out.timedOut ? '(stopped: it ran too long)' : '',
            out.exitCode ? `(exit code ${out.exitCode})` : '',
          ].filter(Boolean);
          return reply([text, ...notes].join('\n'));
        }
        case 'pending-approval':
          return reply(
            `That command needs the owner's approval. Approval id: ${outcome.approvalId}. Approve or deny it in the web app, on Telegram, or with \`mycel approvals approve ${outcome.approvalId}\`; I'll post the result here.`,
          );
        case 'refused':
          return reply(`Command refused: ${outcome.error ?? 'not allowed by the tools policy'}. Nothing was run.`);
        default:
          return reply(`The command failed: ${outcome.error ?? 'unknown error'}`);
      }
    },
  };
  return [tools, sh];
}
