/**
 * The performance regression check: a run makes exactly the requests a correct run needs (plus the SDK requests
 * named in test/scenarios.ts), with one ID-token request under OIDC. Counts are exact; times are for `npm run bench`.
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
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: requests at the floor', async (_name, scenario) => {
    const inputs = scenario.setUp(emu, signIn);
    emu.resetCounters();
    const run = await runAction(emu, inputs);
    expect(run.error).toBe('');
    const floor = floorFor(scenario, signIn);
    // Requests only: TLS connections are no longer counted. The SDKs (MSAL's pipeline, the Graph client's fetch,
    // @actions/http-client) each keep their own connections, over HTTP/1.1, and open more for parallel requests.
    expect(countsBy(emu).requests).toEqual(floor);
  });
});
