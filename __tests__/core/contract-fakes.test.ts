/**
 * The contract suites of the ports (test/contract) over the in-memory fakes the core is tested against: the same
 * tests run over the real adapters against the emulator (__tests__/contract-emulator.test.ts), so a fake cannot
 * promise what the adapter does not do.
 */
import { directoryContract, storeContract } from '../../test/contract/index.ts';
import { fakeDirectoryWorld, fakeStoreWorld } from '../../test/contract/fakes.ts';

directoryContract('in-memory fakes', fakeDirectoryWorld);
storeContract('in-memory fakes', fakeStoreWorld, {
  'write.rateLimitedPastNotAfter':
    "World.serve applies a 'throttled' write after its wait even when the wait ends past notAfter; SecretStore.write promises no attempt starts after notAfter (github.ts does not wait past it: the refusal stands)",
});
