import { CONFIG_VARIABLES } from './config.js';

/**
 * The README's configuration table, generated from CONFIG_VARIABLES so the two cannot drift:
 * `node bin/run-ts.js scripts/config-table.ts` prints it, and a unit test checks the README has it.
 */
export function configTableMarkdown(): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...CONFIG_VARIABLES.map(([name, fallback, meaning]) => `| \`${name}\` | ${escape(fallback)} | ${escape(meaning)} |`),
  ].join('\n');
}
