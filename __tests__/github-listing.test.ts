/** The GitHub adapter reads every page of a scope's listing (Link rel="next"), not only the first. */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { runAction, standardSetup } from '../test/harness.ts';
import { SCENARIOS } from '../test/scenarios.ts';

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

it('finds a target on the second page of the listing, and so does not rotate', async () => {
  const steady = SCENARIOS.find((s) => s.name === 'steady state, one repository secret')!;
  const inputs = steady.setUp(emu, 'secret');
  // More than a page of 100 (more than GitHub allows in a repository, so only a seed can do it), all sorting
  // before AZURE_CLIENT_SECRET: the target is on page 2.
  for (let i = 0; i < 120; i++) emu.github.putPlain({ repo: 'octo/app' }, `AAA_FILLER_${String(i).padStart(3, '0')}`, 'x');
  emu.resetCounters();
  const run = await runAction(emu, inputs);
  expect(run.error).toBe('');
  expect(run.outputs['rotated']).toBe('false');
  const listings = emu.log.filter((e) => e.service === 'github' && e.method === 'GET').map((e) => e.path);
  expect(listings).toEqual(['/repos/octo/app/actions/secrets?per_page=100', '/repos/octo/app/actions/secrets?per_page=100&page=2']);
});
