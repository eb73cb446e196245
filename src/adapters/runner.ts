/** The Actions runner: log, masking, outputs and the job summary, through @actions/core. */
import * as core from '@actions/core';
import type { Log } from '../core/ports';

export const runnerLog: Log = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  mask: (value) => core.setSecret(value),
};

export function setOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  await core.summary.addRaw(markdown, true).write();
}

export function fail(message: string): void {
  core.setFailed(message);
}
