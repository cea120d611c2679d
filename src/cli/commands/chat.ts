import readline from 'node:readline';
import type { Command } from 'commander';
import { MycelError, formatError } from '../../shared/errors.js';
import type { ChatLine } from '../chat-client.js';
import type { CliContext } from '../context.js';

/** The chat `mycel chat` talks in unless `--chat` says otherwise. */
export const DEFAULT_TERMINAL_CHAT = 'terminal';
/** Earlier lines shown when an interactive chat starts. */
export const DEFAULT_HISTORY_LINES = 20;

interface ChatOptions {
  chat: string;
  history?: string;
}

const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);

function label(line: Pick<ChatLine, 'role' | 'kind'>): string {
  if (line.role === 'user') return dim('you   › ');
  return line.kind ? dim(`mycel (${line.kind}) › `) : dim('mycel › ');
}

/**
 * `mycel chat`: a terminal chat with the running instance over its HTTP API. Interactive:
 * recent history first, then a prompt; each reply is printed as it is written; lines that arrive on the chat's event stream
 * (reminders, approvals, other devices) are printed above the prompt as they come.
 * With piped stdin: one reply per input line on stdout, event lines too, exit at EOF.
 */
export function registerChatCommand(program: Command, ctx: CliContext): void {
  program
    .command('chat')
    .description('chat with a running Mycel from the terminal (pipe lines in for scripts: one reply per line, exits at end of input)')
    .option('--chat <id>', 'the chat to talk in (the web app shows it in its URL, /chat/<id>)', DEFAULT_TERMINAL_CHAT)
    .option('--history <n>', `earlier lines to show first (default ${DEFAULT_HISTORY_LINES} when interactive, 0 when piped)`)
    .addHelpText('after', '\nFinds the instance from <data dir>/runtime.json, else MYCEL_HTTP_HOST/MYCEL_HTTP_PORT; sends MYCEL_API_TOKEN when set.\nCtrl-D or Ctrl-C ends an interactive chat.')
    .action((options: ChatOptions) => runChat(ctx, options));
}

async function runChat(ctx: CliContext, options: ChatOptions): Promise<void> {
  const [{ chatIdSchema }, { ChatClient }, { instanceHttpUrl }] = await Promise.all([import('../../shared/envelope.js'), import('../chat-client.js'), import('../instance.js')]);
  const parsed = chatIdSchema.safeParse(options.chat);
  if (!parsed.success) throw new MycelError('CHAT_ID_INVALID', `--chat "${options.chat}": ${parsed.error.issues[0]?.message}`, 'use letters, digits, "_", ".", ":" and "-"');
  const interactive = Boolean(process.stdin.isTTY);
  const history = options.history === undefined ? (interactive ? DEFAULT_HISTORY_LINES : 0) : Number(options.history);
  if (!Number.isInteger(history) || history < 0 || history > 200) throw new MycelError('BAD_OPTION', `--history must be a whole number from 0 to 200, got "${options.history}"`);
  const config = ctx.config();
  const baseUrl = instanceHttpUrl(config);
  const client = new ChatClient({ baseUrl, chatId: parsed.data, token: config.http.apiToken });

  const ownKeys: string[] = [];
  const isOwn = (line: ChatLine) => line.key !== undefined && ownKeys.some((prefix) => line.key!.startsWith(prefix));
  const stop = new AbortController();
  let rl: readline.Interface | undefined;

  const print = (text: string) => {
    if (rl && interactive) {
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(`${text}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${text}\n`);
    }
  };
  const show = (line: ChatLine) => {
    if (isOwn(line)) return;
    print(interactive ? `${label(line)}${line.text}` : line.text);
  };

  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const following = client.follow(show, stop.signal, { history, onReady });
  await Promise.race([ready, following]);

  if (interactive) process.stdout.write(dim(`Talking to ${baseUrl} in chat "${parsed.data}". /help lists the commands; Ctrl-D ends.\n`));
  rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, prompt: interactive ? 'you   › ' : '', terminal: interactive });

  let failures = 0;
  let queue = Promise.resolve();
  const handle = async (text: string) => {
    const messageId = ChatClient.newMessageId();
    ownKeys.push(ChatClient.lineKeyPrefix(parsed.data, messageId));
    // The reply is printed as it is written; a reset (retried model call) starts it again on a new line.
    let open = false;
    const begin = () => {
      if (open) return;
      if (rl && interactive) {
        readline.clearLine(process.stdout, 0);
        readline.cursorTo(process.stdout, 0);
      }
      if (interactive) process.stdout.write(label({ role: 'assistant' }));
      open = true;
    };
    const end = () => {
      if (!open) return;
      process.stdout.write('\n');
      open = false;
    };
    try {
      await client.send(text, messageId, {
        delta: (part) => {
          begin();
          process.stdout.write(part);
        },
        reset: () => {
          if (open && interactive) process.stdout.write(dim(' …(starting over)'));
          end();
        },
      });
      end();
      if (rl && interactive) rl.prompt(true);
    } catch (err) {
      end();
      failures += 1;
      process.stderr.write(`error: ${formatError(err)}\n`);
    }
  };
  rl.on('line', (input) => {
    const text = input.trim();
    if (!text) {
      if (interactive) rl!.prompt();
      return;
    }
    queue = queue.then(() => handle(text));
  });
  rl.on('SIGINT', () => rl!.close());
  if (interactive) rl.prompt();
  await new Promise<void>((resolve) => rl!.once('close', resolve));
  await queue;
  stop.abort();
  await following.catch(() => undefined);
  if (interactive) process.stdout.write('\n');
  if (failures) process.exitCode = 1;
}
