/** Prints the README's configuration table from CONFIG_VARIABLES (paste it under "## Configuration"). */
import { configTableMarkdown } from '../src/config/config-docs.js';

console.log(configTableMarkdown());
