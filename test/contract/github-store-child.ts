/**
 * The real GitHub adapter (src/adapters/github.ts) serving SecretStore calls in a child process, for the contract
 * suites (test/contract/remote-store.ts is the other end): jest cannot load @actions/github (ESM only), so the
 * adapter runs as test/github-driver.ts runs it, but kept open: one JSON request a line on stdin, one JSON answer a
 * line on stdout, in any order (calls may overlap, as the core makes them). A ServiceError crosses as its details.
 * `open` makes a new adapter (an emulator's API URL, a token, the timing): one process serves test after test.
 */
import { createInterface } from 'node:readline';
import { GitHubConnection, GitHubSecrets, type GitHubTiming } from '../../src/adapters/github';
import type { Log } from '../../src/core/ports';
import { ServiceError } from '../../src/core/errors';
import { Secret } from '../../src/core/secret';
import type { ChildAnswer, ChildRequest } from './remote-store.ts';

function send(message: ChildAnswer): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const log: Log = {
  info: (message) => send({ log: { level: 'info', message } }),
  warning: (message) => send({ log: { level: 'warning', message } }),
  mask: (value) => send({ mask: value }),
  group: (_title, fn) => fn(),
};

let store: GitHubSecrets | undefined;

async function serve(r: ChildRequest): Promise<unknown> {
  if (r.op === 'open') {
    store = new GitHubSecrets(new GitHubConnection(new Secret(r.token), r.apiUrl, log, r.timing satisfies GitHubTiming));
    return undefined;
  }
  if (store === undefined) throw new Error('no store is open');
  switch (r.op) {
    case 'list': {
      const found = await store.list(r.scope);
      return [...found].map(([name, info]) => [name, { updatedAt: info.updatedAt.toISOString(), ...(info.visibility === undefined ? {} : { visibility: info.visibility }) }]);
    }
    case 'prepare':
      return store.prepare(r.scope, r.targets);
    case 'write':
      return store.write(r.target, new Secret(r.value), r.notAfter === undefined ? {} : { notAfter: new Date(r.notAfter) });
    case 'selectedRepositories':
      return store.selectedRepositories(r.target);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as ChildRequest;
  serve(request).then(
    (value) => send({ id: request.id, ok: true, value: value ?? null }),
    (error: unknown) =>
      send({
        id: request.id,
        ok: false,
        error: error instanceof ServiceError ? { service: error.details } : { message: error instanceof Error ? error.message : String(error) },
      }),
  );
}
