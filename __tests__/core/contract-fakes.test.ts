/**
 * The contract suites of the ports (test/contract) over the in-memory fakes the core is tested against: the same
 * tests run over the real adapters against the emulator (__tests__/contract-emulator.test.ts), so a fake cannot
 * promise what the adapter does not do.
 */
import { directoryContract, storeContract } from '../../test/contract/index.ts';
import { fakeDirectoryWorld, fakeStoreWorld } from '../../test/contract/fakes.ts';

directoryContract('in-memory fakes', fakeDirectoryWorld);
storeContract('in-memory fakes', fakeStoreWorld);
