// A module-resolution hook for tests: appends every module URL a process resolves to the file
// named by MYCEL_TEST_MODULE_LOG, so a test can see what a command loaded.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.MYCEL_TEST_MODULE_LOG) appendFileSync(process.env.MYCEL_TEST_MODULE_LOG, `${result.url}\n`);
  return result;
}
