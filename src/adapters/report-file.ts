/** The JSON report, written under RUNNER_TEMP (the runner empties it after the job), readable by the job's user only. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeReportFile(json: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dir = mkdtempSync(join(env['RUNNER_TEMP'] || tmpdir(), 'entra-secret-rotator-'));
  const path = join(dir, 'report.json');
  writeFileSync(path, json, { mode: 0o600 });
  return path;
}
