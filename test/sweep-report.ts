/**
 * Where the sweeps (faults, interleavings) put their figures: a file under the OS temp dir, so that `npm test`
 * stays quiet. SWEEP_REPORT=1 prints the report too. Violations still go into the failing assertion.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `text` to `<tmpdir>/<file>`, returns the path; prints it whole when SWEEP_REPORT=1. */
export function writeSweepReport(file: string, text: string): string {
  const path = join(tmpdir(), file);
  writeFileSync(path, `${text}\n`);
  if (process.env['SWEEP_REPORT'] === '1') process.stdout.write(`${text}\n(also in ${path})\n`);
  return path;
}
