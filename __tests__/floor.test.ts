/**
 * The performance regression check: a run makes exactly the requests a correct run needs, over one TLS
 * connection per host, with one ID-token request under OIDC. Counts are exact; times are for `npm run bench`.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { runAction, standardSetup } from '../test/harness.ts';
import { countsBy, floorFor, SCENARIOS, type SignIn } from '../test/scenarios.ts';

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

describe.each<SignIn>(['secret', 'oidc'])('with %s sign-in', (signIn) => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: requests and connections at the floor', async (_name, scenario) => {
    const inputs = scenario.setUp(emu, signIn);
    emu.resetCounters();
    const run = await runAction(emu, inputs);
    expect(run.error).toBe('');
    const floor = floorFor(scenario, signIn);
    const { requests, connections } = countsBy(emu);
    expect(requests).toEqual(floor);
    const oneEach = Object.fromEntries(Object.entries(floor).map(([service, n]) => [service, n > 0 ? 1 : 0]));
    expect(connections).toEqual(oneEach);
  });
});
