import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root folder of the installed Mycel package (where package.json lives). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Project-local cache for downloaded tools (the Temporal CLI). */
export const CACHE_DIR = path.join(PACKAGE_ROOT, '.cache');
