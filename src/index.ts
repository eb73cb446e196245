/**
 * Entry point. Inputs are checked first, with only @actions/core loaded (and, for a fleet file, yaml and Ajv);
 * @azure/identity, the Graph client, Octokit and undici load after (main and all it imports are separate chunks of the bundle), so bad input fails
 * fast. Then the run. Anything thrown becomes a failed step; bad input also gets its job summary.
 */
import { getInput } from '@actions/core';
import { readConfig, type FleetReading } from './config';
import { fail, runnerLog, writeSummary } from './adapters/runner';
import { InputError } from './core/errors';
import { inputProblemsMarkdown } from './core/input-report';

try {
  const config = readConfig(getInput, process.env, getInput('config').trim() === '' ? undefined : await fleetReading());
  const { main } = await import('./main');
  await main(config);
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
  if (error instanceof InputError) await summarise(error);
}

/** yaml and Ajv load only for a fleet file: a single-app run never pays for them. */
async function fleetReading(): Promise<FleetReading> {
  const [{ actionDefaults }, { readFleetFile }] = await Promise.all([import('./adapters/action-defaults'), import('./inputs/fleet-file')]);
  return { actionDefaults: actionDefaults(), readFleetFile };
}

async function summarise(error: InputError): Promise<void> {
  try {
    await writeSummary(inputProblemsMarkdown(error.problems, error.file));
  } catch (e) {
    runnerLog.warning(`The job summary could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
