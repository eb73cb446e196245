/**
 * The Actions runner, through @actions/core: log lines and workflow commands on stdout (::add-mask::, ::warning::,
 * ::error::), outputs in the GITHUB_OUTPUT file, and the job summary in GITHUB_STEP_SUMMARY.
 */
import * as core from '@actions/core';
import type { Log } from '../core/ports';

export const runnerLog: Log = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  mask: (value) => {
    if (value !== '') core.setSecret(value);
  },
  group: (title, fn) => core.group(title, fn),
};

/** Outside a runner (no GITHUB_OUTPUT), @actions/core falls back to the deprecated ::set-output command. */
export function setOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** Appends to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) there is none to write. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  await core.summary.addRaw(markdown, true).write();
}

/** An ::error:: line, and the step fails (exit code 1). */
export function fail(message: string): void {
  core.setFailed(message);
}
