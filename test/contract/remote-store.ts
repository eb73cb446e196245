/**
 * A SecretStore whose calls are served by the real GitHub adapter in a child process (test/contract/
 * github-store-child.ts), against the emulator over HTTPS: the contract suites call it as the core calls the port.
 * Dates and ServiceErrors cross as JSON and are rebuilt here; what the adapter logged and masked is kept. One child
 * serves every test of a file (starting one takes most of a second): `open` gives each test a new adapter.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { GitHubTiming } from '../../src/adapters/github-bounds';
import { ServiceError, type ServiceErrorDetails } from '../../src/core/errors';
import type { GitHubScope as Scope, OrgVisibility, StoredSecretInfo, Target as AnyTarget } from '../../src/core/model';

type Target = AnyTarget<Scope>;
import type { SecretStore } from '../../src/core/ports';
import type { Secret } from '../../src/core/secret';

export type ChildRequest = { id: number } & (
  | { op: 'open'; apiUrl: string; token: string; timing: GitHubTiming }
  | { op: 'list'; scope: Scope }
  | { op: 'prepare'; scope: Scope; targets?: Target[] }
  | { op: 'write'; target: Target; value: string; notAfter?: number }
  | { op: 'selectedRepositories'; target: Target }
);

export type ChildAnswer =
  | { log: { level: 'info' | 'warning'; message: string } }
  | { mask: string }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { service: ServiceErrorDetails } | { message: string } };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const CHILD = resolve('test/contract/github-store-child.ts');
const HOOKS = resolve('test/extensionless.ts');

export class RemoteStore implements SecretStore {
  /** What the adapter open now logged and masked. */
  lines: Array<{ level: 'info' | 'warning'; message: string }> = [];
  masked: string[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #next = 1;
  #stderr = '';
  #exited: Error | undefined;

  /** Starts the child; `caFile` holds the emulator's CA, trusted there through NODE_EXTRA_CA_CERTS as on a runner. */
  constructor(caFile: string) {
    this.#child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--import', HOOKS, CHILD], {
      env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#child.on('close', (code) => {
      this.#exited = new Error(`github-store-child exited ${String(code)}: ${this.#stderr}`);
      for (const p of this.#pending.values()) p.reject(this.#exited);
      this.#pending.clear();
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as ChildAnswer;
      if ('log' in answer) this.lines.push(answer.log);
      else if ('mask' in answer) this.masked.push(answer.mask);
      else this.#settle(answer);
    });
  }

  /** A new adapter (no public key or repository id cached), for the emulator at `apiUrl`. */
  async open(apiUrl: string, token: string, timing: GitHubTiming): Promise<void> {
    this.lines = [];
    this.masked = [];
    await this.#ask({ op: 'open', apiUrl, token, timing });
  }

  async list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    const entries = (await this.#ask({ op: 'list', scope })) as Array<[string, { updatedAt: string; visibility?: OrgVisibility }]>;
    return new Map(entries.map(([name, i]) => [name, i.visibility === undefined ? { updatedAt: new Date(i.updatedAt) } : { updatedAt: new Date(i.updatedAt), visibility: i.visibility }]));
  }

  async prepare(scope: Scope, targets?: readonly Target[]): Promise<void> {
    await this.#ask({ op: 'prepare', scope, ...(targets === undefined ? {} : { targets: [...targets] }) });
  }

  async write(target: Target, value: Secret, options: { notAfter?: Date } = {}): Promise<void> {
    await this.#ask({ op: 'write', target, value: value.reveal(), ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter.getTime() }) });
  }

  async selectedRepositories(target: Target): Promise<string[]> {
    return (await this.#ask({ op: 'selectedRepositories', target })) as string[];
  }

  async close(): Promise<void> {
    if (this.#exited !== undefined) return;
    const closed = new Promise<void>((done) => this.#child.once('close', () => done()));
    this.#child.stdin.end();
    await closed;
  }

  #ask(request: DistributiveOmit<ChildRequest, 'id'>): Promise<unknown> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  #settle(answer: Extract<ChildAnswer, { id: number }>): void {
    const p = this.#pending.get(answer.id);
    if (p === undefined) return;
    this.#pending.delete(answer.id);
    if (answer.ok) p.resolve(answer.value);
    else p.reject('service' in answer.error ? new ServiceError(answer.error.service) : new Error(answer.error.message));
  }
}
