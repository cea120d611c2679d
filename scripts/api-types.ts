/**
 * Writes src/api/schema.gen.ts, the clients' types of the HTTP API, from the server's OpenAPI
 * document (`npm run api:types`). Run it after changing a route's schemas.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_TYPES_FILE, apiDocument, renderApiTypes } from '../src/http/api-types.js';
import { formatError } from '../src/shared/errors.js';

try {
  writeFileSync(API_TYPES_FILE, await renderApiTypes(await apiDocument()));
  console.log(`mycel: wrote ${path.relative(process.cwd(), API_TYPES_FILE)}`);
} catch (err) {
  console.error(`mycel: ${formatError(err)}`);
  process.exitCode = 1;
}
