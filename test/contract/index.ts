/** Contract suites of the core's ports, run over the fakes (__tests__/core/contract-fakes.test.ts) and over the real adapters against the emulator (__tests__/contract-emulator.test.ts). */
export { directoryContract } from './directory.ts';
export { storeContract } from './store.ts';
export type { AppSeed, DirectoryWorld, KnownBreaks, SeededApp, StoreWorld } from './worlds.ts';
