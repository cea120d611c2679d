// Sums vitest JSON reports into one plain closing line: "N passed, N failed, N skipped".
// Above it, every failed test is named with its file and the first lines of its error, so a
// CI log that keeps only its tail still says what failed.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const ANSI = /\u001b\[[0-9;]*m/g;

/** The first few meaningful lines of a failure message, without colour codes. */
function excerpt(message, lines = 4) {
  return String(message ?? '')
    .replace(ANSI, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(0, lines)
    .map((line) => `        ${line.slice(0, 300)}`)
    .join('\n');
}

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    missing += 1;
    console.log(`  ${file}: no report (the run did not finish)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests ?? 0;
  // A file that failed with no failed test (it did not load, a hook threw) counts as one failure;
  // numFailedTestSuites counts every describe block around a failed test, so it is not used.
  const brokenFiles = (report.testResults ?? []).filter((suite) => suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed')).length;
  const f = (report.numFailedTests ?? 0) + brokenFiles;
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`  ${file}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
  for (const suite of report.testResults ?? []) {
    const where = relative(process.cwd(), suite.name ?? '');
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) {
      failures.push(`  ✗ [${file}] ${where} > ${test.fullName}\n${excerpt(test.failureMessages?.[0])}`);
    }
    if (suite.status === 'failed' && failedTests.length === 0) {
      failures.push(`  ✗ [${file}] ${where} (the file failed)\n${excerpt(suite.message)}`);
    }
  }
}
if (failures.length > 0) {
  console.log('failed tests:');
  for (const failure of failures) console.log(failure);
}
console.log(`${passed} passed, ${failed + missing} failed, ${skipped} skipped`);
process.exit(failed + missing > 0 ? 1 : 0);
