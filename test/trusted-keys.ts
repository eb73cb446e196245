/**
 * For a test file that runs the adapters or real clients in-process against the emulator: its keys, made once for
 * the file, and the emulator's CA trusted in this process (Node's default CA list) as NODE_EXTRA_CA_CERTS trusts it
 * in the action's process; the list is restored after the file.
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { createEmulatorKeys, type EmulatorKeys } from './emulator/index.ts';

export function withTrustedEmulatorKeys(set: (keys: EmulatorKeys) => void): void {
  let defaults: string[] = [];
  beforeAll(async () => {
    const keys = await createEmulatorKeys();
    defaults = getCACertificates('default');
    setDefaultCACertificates([...defaults, keys.certs.caPem]);
    set(keys);
  });
  afterAll(() => {
    setDefaultCACertificates(defaults);
  });
}
