import { resolveInSandbox } from './sandbox.js';

/**
 * Option allowlists of the commands the default policy lets run without asking.
 *
 * Each command is parsed the way GNU getopt parses it (options anywhere before `--`, short
 * options clustered as `-un`, a value glued to a short option as `-n5` or given as the next
 * argument, `--long=value` or `--long value`), and every option must be on the command's
 * list. Options that read or write a file named in their value (`date -f`, `date -r`,
 * `grep -f`, `wc --files0-from`), change the system (`date -s`), or leave the named files
 * (`grep -r`, `ls -L`) are not on any list. Long options must be spelled in full: GNU getopt
 * accepts unambiguous prefixes, and an abbreviation could name an option that is not listed.
 *
 * Every operand and every option value is, in addition, resolved in the sandbox with realpath
 * (symlinks included), whatever its role, so a value the check reads as text but the command
 * reads as a file name still cannot lead out.
 */

/** What a value must look like. */
type ValueKind = 'text' | 'number';

interface OptionSpec {
  /** Whether the option takes a value: never, always (glued or next argument), or only glued. */
  arg: 'none' | 'required' | 'optional';
  kind?: ValueKind;
  /** Extra check of the value; returns why it is refused. */
  check?: (value: string) => string | undefined;
}

export interface CommandSpec {
  short: Record<string, OptionSpec>;
  long: Record<string, OptionSpec>;
  /** `-5` (head, tail) or `-2` (grep context) accepted as digit clusters. */
  digitOptions?: boolean;
  /** echo takes no options in the getopt sense: every argument is text. */
  freeText?: boolean;
  /** Extra check of the operands; returns why they are refused. */
  operands?: (operands: string[]) => string | undefined;
}

const flag: OptionSpec = { arg: 'none' };
const number: OptionSpec = { arg: 'required', kind: 'number' };
const text: OptionSpec = { arg: 'required', kind: 'text' };
const optionalText: OptionSpec = { arg: 'optional', kind: 'text' };

/** A count like `5`, `+5`, `-5`, `5K` or `10MB` (head, tail, grep, ls widths). */
const NUMBER_VALUE = /^[+-]?\d{1,18}[A-Za-z]{0,3}$/;
/** A plain zone name in a date string's `TZ="…"`: a path there would make the C library read that file. */
const PLAIN_ZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

function flags(chars: string): Record<string, OptionSpec> {
  return Object.fromEntries([...chars].map((c) => [c, flag]));
}

function longFlags(names: string[]): Record<string, OptionSpec> {
  return Object.fromEntries(names.map((n) => [n, flag]));
}

/** date strings may name a zone (`TZ="Europe/Paris" 10:00`); only plain zone names pass. */
function checkDateString(value: string): string | undefined {
  for (const match of value.matchAll(/TZ\s*=\s*"?([^"\s]*)"?/g)) {
    const zone = match[1] ?? '';
    if (!PLAIN_ZONE.test(zone) || zone.split('/').includes('..')) return `the time zone "${zone}" in a date string must be a plain zone name like Europe/Paris`;
  }
  return undefined;
}

const dateString: OptionSpec = { arg: 'required', kind: 'text', check: checkDateString };

const COMMON_LONG = longFlags(['help', 'version']);

/** The allowlists, per command. */
export const COMMAND_SPECS: Readonly<Record<string, CommandSpec>> = {
  echo: { short: {}, long: {}, freeText: true },
  cat: {
    short: flags('AbeEnstTuv'),
    long: { ...COMMON_LONG, ...longFlags(['show-all', 'number-nonblank', 'show-ends', 'number', 'squeeze-blank', 'show-tabs', 'show-nonprinting']) },
  },
  ls: {
    // Not listed: -L/--dereference and -H/--dereference-command-line*, which follow symlinks out.
    short: { ...flags('aAbBcCdDfFgGhiklmnNopqQrRsStuUvxXZ1'), I: text, T: number, w: number },
    long: {
      ...COMMON_LONG,
      ...longFlags([
        'all', 'almost-all', 'author', 'escape', 'ignore-backups', 'directory', 'dired', 'file-type', 'full-time',
        'group-directories-first', 'no-group', 'human-readable', 'si', 'inode', 'kibibytes', 'literal',
        'numeric-uid-gid', 'hide-control-chars', 'show-control-chars', 'quote-name', 'reverse', 'recursive',
        'size', 'context', 'zero',
      ]),
      'block-size': text, format: text, hide: text, ignore: text, 'indicator-style': text, 'quoting-style': text,
      sort: text, time: text, 'time-style': text, tabsize: number, width: number,
      color: optionalText, classify: optionalText, hyperlink: optionalText,
    },
  },
  wc: {
    // Not listed: --files0-from, which reads the names of the files to count from a file.
    short: flags('cmlLw'),
    long: { ...COMMON_LONG, ...longFlags(['bytes', 'chars', 'lines', 'max-line-length', 'words']), total: text },
  },
  head: {
    short: { ...flags('qvz'), c: number, n: number },
    long: { ...COMMON_LONG, ...longFlags(['quiet', 'silent', 'verbose', 'zero-terminated']), bytes: number, lines: number },
    digitOptions: true,
  },
  tail: {
    // Not listed: -f/-F/--follow, --pid, --retry, -s: following a file only waits for the timeout.
    short: { ...flags('qvz'), c: number, n: number },
    long: { ...COMMON_LONG, ...longFlags(['quiet', 'silent', 'verbose', 'zero-terminated']), bytes: number, lines: number },
    digitOptions: true,
  },
  grep: {
    // Not listed: -f/--file and --exclude-from (read a file named in the value), -r/-R/
    // --recursive/--dereference-recursive and -d/--directories (recurse, following symlinks out),
    // -D/--devices, --include/--exclude/--exclude-dir (only meaningful when recursing).
    short: { ...flags('EFGPiyvwxcLloqsbHhnTZzaIUV'), e: text, m: number, A: number, B: number, C: number },
    long: {
      ...COMMON_LONG,
      ...longFlags([
        'extended-regexp', 'fixed-strings', 'basic-regexp', 'perl-regexp', 'ignore-case', 'no-ignore-case',
        'invert-match', 'word-regexp', 'line-regexp', 'count', 'files-without-match', 'files-with-matches',
        'only-matching', 'quiet', 'silent', 'no-messages', 'byte-offset', 'with-filename', 'no-filename',
        'line-number', 'initial-tab', 'null', 'null-data', 'text', 'line-buffered', 'binary',
      ]),
      regexp: text, 'max-count': number, 'after-context': number, 'before-context': number, context: number,
      label: text, 'binary-files': text, color: optionalText, colour: optionalText,
    },
    digitOptions: true,
  },
  date: {
    // Not listed: -s/--set (sets the clock), -f/--file and -r/--reference (read a file).
    short: { ...flags('uR'), d: dateString, I: optionalText },
    long: {
      ...COMMON_LONG,
      ...longFlags(['utc', 'universal', 'rfc-email', 'debug', 'resolution']),
      date: dateString, 'rfc-3339': text, 'iso-8601': optionalText,
    },
    operands: (operands) => {
      if (operands.length > 1) return 'date takes at most one operand, a +FORMAT';
      const [first] = operands;
      if (first !== undefined && !first.startsWith('+')) return `date's operand "${first}" is not a +FORMAT (an operand without "+" sets the system clock)`;
      return undefined;
    },
  },
};

/** A command's allowlist, if it has one (own entries only). */
export function commandSpec(command: string): CommandSpec | undefined {
  return Object.prototype.hasOwnProperty.call(COMMAND_SPECS, command) ? COMMAND_SPECS[command] : undefined;
}

function own(record: Record<string, OptionSpec>, key: string): OptionSpec | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Why a string that may name a file is refused, or undefined when it stays in the sandbox. */
function outside(sandbox: string, value: string, what: string): string | undefined {
  const inside = resolveInSandbox(sandbox, value);
  return inside.ok ? undefined : `${what} ${inside.reason}`;
}

function checkValue(command: string, option: string, spec: OptionSpec, value: string, sandbox: string): string | undefined {
  if (spec.kind === 'number' && !NUMBER_VALUE.test(value)) return `${command} ${option} expects a number, not "${value}"`;
  return spec.check?.(value) ?? outside(sandbox, value, `the value of ${option}`);
}

/**
 * Checks a listed command's arguments against its allowlist; returns why they are refused, or
 * undefined when every option is listed and every operand and value stays in the sandbox.
 */
export function checkListedArguments(command: string, spec: CommandSpec, args: string[], sandbox: string): string | undefined {
  if (spec.freeText) {
    for (const arg of args) {
      const reason = outside(sandbox, arg, 'argument');
      if (reason) return reason;
    }
    return undefined;
  }
  const operands: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      operands.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const option = own(spec.long, name);
      if (!option) return `the option --${name} is not on ${command}'s allowlist (long options must be spelled in full)`;
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (option.arg === 'none' && value !== undefined) return `${command} --${name} takes no value`;
      if (option.arg === 'required' && value === undefined) {
        value = args[++i];
        if (value === undefined) return `${command} --${name} needs a value`;
      }
      if (value !== undefined) {
        const reason = checkValue(command, `--${name}`, option, value, sandbox);
        if (reason) return reason;
      }
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      if (spec.digitOptions && letter >= '0' && letter <= '9') continue;
      const option = own(spec.short, letter);
      if (!option) return `the option -${letter} is not on ${command}'s allowlist`;
      if (option.arg === 'none') continue;
      let value: string | undefined = arg.slice(j + 1);
      if (!value) value = option.arg === 'required' ? args[++i] : undefined;
      if (option.arg === 'required' && value === undefined) return `${command} -${letter} needs a value`;
      if (value !== undefined) {
        const reason = checkValue(command, `-${letter}`, option, value, sandbox);
        if (reason) return reason;
      }
      break;
    }
  }
  for (const operand of operands) {
    const reason = outside(sandbox, operand, 'argument');
    if (reason) return reason;
  }
  return spec.operands?.(operands);
}

/**
 * Checks the arguments of a command without an allowlist (one the owner approves, or adds to
 * `allow`): its options are unknown, so every argument, every `--option=value` value, and every
 * possible value glued to a short option (each tail of `-xVALUE`, as in `cp -t/tmp/out`) must
 * stay in the sandbox.
 */
export function checkUnlistedArguments(args: string[], sandbox: string): string | undefined {
  let optionsEnded = false;
  for (const arg of args) {
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      const reason = outside(sandbox, arg, 'argument');
      if (reason) return reason;
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const candidates = arg.startsWith('--') ? [] : Array.from({ length: arg.length - 2 }, (_, k) => arg.slice(k + 2));
    if (eq >= 0) candidates.push(arg.slice(eq + 1));
    for (const value of candidates) {
      const reason = outside(sandbox, value, `the option value in "${arg}":`);
      if (reason) return reason;
    }
  }
  return undefined;
}
