/**
 * The contract suites of the ports (test/contract) over the real adapters (src/adapters/graph.ts, entra.ts,
 * github.ts) against the emulator over HTTPS on 127.0.0.1: the same tests run over the in-memory fakes the core is
 * tested against (__tests__/core/contract-fakes.test.ts).
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { directoryContract, storeContract } from '../test/contract/index.ts';
import { EmulatorStoreSide, emulatorDirectoryWorld } from '../test/contract/emulator.ts';
import { createEmulatorKeys, type EmulatorKeys } from '../test/emulator/index.ts';

let keys: EmulatorKeys;
let defaultCAs: string[];
let github: EmulatorStoreSide;
beforeAll(async () => {
  keys = await createEmulatorKeys();
  github = new EmulatorStoreSide(keys);
  // The Graph client and @azure/identity run in this process: trust the emulator's CA as NODE_EXTRA_CA_CERTS would.
  defaultCAs = getCACertificates('default');
  setDefaultCACertificates([...defaultCAs, keys.certs.caPem]);
});
afterAll(async () => {
  setDefaultCACertificates(defaultCAs);
  await github.close();
});

// removePassword.strayLag was broken here (graph.ts resolved "no such key" for a stray key whose addPassword answer
// was lost while the key was still there); graph.ts now confirms "no such key" by a read for every key.
directoryContract('Graph and Entra adapters over the emulator', () => emulatorDirectoryWorld(keys), {});
storeContract('GitHub adapter over the emulator', () => github.world());
