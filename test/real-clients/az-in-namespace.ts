/**
 * Drives the Azure CLI (`az`, as installed: Debian's 2.45) against the emulator, from INSIDE a private network and
 * mount namespace that __tests__/real-clients.test.ts makes (`unshare --net --mount --fork`, as root):
 *
 *   unshare --net --mount --fork -- node test/real-clients/az-in-namespace.ts
 *
 * az's MSAL asks login.microsoftonline.com for instance discovery whatever the authority, so here, and only here,
 * that name is 127.0.0.1: loopback is brought up, a hosts file is bind-mounted over /etc/hosts (the machine's own
 * file is untouched: the mount exists only in this namespace), and 127.0.0.1:443 forwards to the emulator's Entra
 * server (its certificate also names login.microsoftonline.com). Every other address is unreachable in here.
 *
 * After each command it checks what the emulator holds (apps, passwords by keyId, service principals) and that
 * every password az prints is the one the emulator issued; a certificate az makes is the one the emulator holds, and
 * az signs in as the app with it. Prints one JSON line on stdout:
 * `{ commands, opened, matched, failures: string[] }`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/index.ts';
import type { Emulator } from '../emulator/index.ts';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

const failures: string[] = [];
let commands = 0;
let opened = 0;
let matched = 0;

function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

function openAndCompare(sent: string | undefined, held: string | undefined, what: string): void {
  opened += 1;
  if (sent !== undefined && sent === held) matched += 1;
  else failures.push(`${what}: the value az printed is not the one the emulator holds`);
}

/** Runs without blocking: the emulator and the forwarder live in this same process. */
function run(env: NodeJS.ProcessEnv, args: string[]): Promise<Ran> {
  commands += 1;
  return new Promise((resolve) => {
    const child = spawn('az', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) failures.push(`az ${args.slice(0, 4).join(' ')} exited ${String(code)}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
      resolve({ code, out, err });
    });
  });
}

function json<T>(r: Ran): T | undefined {
  try {
    return JSON.parse(r.out) as T;
  } catch {
    failures.push(`not JSON: ${r.out.slice(0, 200)}`);
    return undefined;
  }
}

/** Loopback up, login.microsoftonline.com -> 127.0.0.1 in this namespace's /etc/hosts only. */
function isolateNames(dir: string): void {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.1 login.microsoftonline.com\n');
  execFileSync('mount', ['--bind', hosts, '/etc/hosts']);
}

/** 127.0.0.1:443 -> the Entra server, byte for byte (TLS ends at the emulator). */
async function forward443(emu: Emulator): Promise<Server> {
  const port = Number(new URL(emu.urls.authority).port);
  const server = createServer((socket) => {
    const upstream = connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(443, '127.0.0.1', resolve);
  });
  return server;
}

async function drive(emu: Emulator, dir: string): Promise<void> {
  const clientId = randomUUID();
  const secret = `emu${randomBytes(4).toString('hex')}Q~${randomBytes(18).toString('base64url')}`;
  emu.addRotator({ clientId, secret, roles: ['Application.ReadWrite.All'] });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AZURE_CONFIG_DIR: join(dir, 'azure'),
    REQUESTS_CA_BUNDLE: emu.caFile,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
  };
  // A custom cloud: Entra and Graph are the emulator's; ARM is served by the Graph server (see test/emulator/arm.ts).
  const cloud = {
    endpoints: {
      activeDirectory: emu.urls.authority,
      activeDirectoryResourceId: 'https://management.core.windows.net/',
      activeDirectoryGraphResourceId: 'https://graph.windows.net/',
      management: 'https://management.core.windows.net/',
      resourceManager: `${emu.urls.graph}/`,
      microsoftGraphResourceId: `${emu.urls.graph}/`,
    },
  };
  const cloudFile = join(dir, 'cloud.json');
  writeFileSync(cloudFile, JSON.stringify(cloud));
  await run(env, ['cloud', 'register', '--name', 'Emulator', '--cloud-config', `@${cloudFile}`]);
  await run(env, ['cloud', 'set', '--name', 'Emulator']);

  const login = json<Array<{ tenantId: string; user: { name: string; type: string } }>>(
    await run(env, ['login', '--service-principal', '--username', clientId, '--password', secret, '--tenant', emu.tenantId, '--allow-no-subscriptions']),
  );
  check(login?.[0]?.tenantId === emu.tenantId && login[0].user.name === clientId && login[0].user.type === 'servicePrincipal', 'az login: the account is the rotator in the emulated tenant');
  check(emu.log.some((e) => e.service === 'graph' && e.path.startsWith('/subscriptions?') && e.status === 200), 'az login: listed subscriptions with an ARM token');
  check(emu.log.some((e) => e.service === 'entra' && e.path.startsWith('/common/discovery/instance') && e.status === 200), 'az login: instance discovery answered');

  const displayName = `cli app ${randomBytes(3).toString('hex')}`;
  const created = json<{ appId: string; id: string; displayName: string }>(await run(env, ['ad', 'app', 'create', '--display-name', displayName]));
  const app = emu.graph.apps.find((a) => a.appId === created?.appId);
  check(app !== undefined && app.displayName === displayName && app.id === created?.id, 'az ad app create: the emulator holds the app az printed');
  if (!app || !created) return;

  const listed = json<Array<{ appId: string }>>(await run(env, ['ad', 'app', 'list', '--display-name', displayName]));
  check(JSON.stringify(listed?.map((a) => a.appId)) === JSON.stringify(emu.graph.apps.filter((a) => a.displayName === displayName).map((a) => a.appId)), 'az ad app list: exactly the emulator\'s apps of that name');
  const shown = json<{ id: string; displayName: string }>(await run(env, ['ad', 'app', 'show', '--id', app.appId]));
  check(shown?.id === app.id && shown.displayName === displayName, 'az ad app show: the emulator\'s app');

  const reset1 = json<{ appId: string; password: string; tenant: string }>(await run(env, ['ad', 'app', 'credential', 'reset', '--id', app.appId, '--append', '--display-name', 'first', '--years', '1']));
  check(app.passwordCredentials.length === 1, 'az ad app credential reset --append: one password');
  openAndCompare(reset1?.password, app.passwordCredentials[0]?.secretText, 'first password');
  const reset2 = json<{ password: string }>(await run(env, ['ad', 'app', 'credential', 'reset', '--id', app.appId, '--append', '--display-name', 'second', '--years', '1']));
  check(app.passwordCredentials.length === 2, 'az ad app credential reset --append: kept the first password, added a second');
  openAndCompare(reset2?.password, app.passwordCredentials.find((p) => p.displayName === 'second')?.secretText, 'second password');

  const creds = json<Array<{ keyId: string; displayName: string; secretText: unknown }>>(await run(env, ['ad', 'app', 'credential', 'list', '--id', app.appId]));
  check(JSON.stringify(creds?.map((c) => c.keyId).sort()) === JSON.stringify(app.passwordCredentials.map((p) => p.keyId).sort()), 'az ad app credential list: the emulator\'s keyIds');
  check(creds?.every((c) => c.secretText === null) === true, 'az ad app credential list: no secret text on a read');
  const first = app.passwordCredentials.find((p) => p.displayName === 'first');
  await run(env, ['ad', 'app', 'credential', 'delete', '--id', app.appId, '--key-id', first?.keyId ?? '']);
  check(app.passwordCredentials.length === 1 && app.passwordCredentials[0]?.displayName === 'second', 'az ad app credential delete: removed exactly that keyId');

  const sp = json<{ id: string; appId: string }>(await run(env, ['ad', 'sp', 'create', '--id', app.appId]));
  const held = emu.graph.servicePrincipals.find((s) => s.appId === app.appId);
  check(held !== undefined && held.id === sp?.id, 'az ad sp create: the emulator holds the service principal az printed');
  const spReset = json<{ password: string }>(await run(env, ['ad', 'sp', 'credential', 'reset', '--id', app.appId, '--append']));
  openAndCompare(spReset?.password, held?.passwordCredentials?.[0]?.secretText, 'service principal password');

  // A certificate: az makes one (key and certificate in one PEM file) and PATCHes it onto the app's keyCredentials;
  // then it signs in as the app with it (a client assertion signed by that key).
  const certReset = json<{ appId: string; fileWithCertAndPrivateKey?: string }>(await run(env, ['ad', 'app', 'credential', 'reset', '--id', app.appId, '--create-cert', '--append']));
  const certs = emu.certificates(app.id);
  check(certs.length === 1 && certs[0]?.der !== null && certs[0]?.type === 'AsymmetricX509Cert' && certs[0].usage === 'Verify', 'az ad app credential reset --create-cert: the app holds one certificate');
  const pemFile = certReset?.fileWithCertAndPrivateKey;
  const pem = pemFile === undefined ? '' : readFileSync(pemFile, 'utf8');
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  check(m !== null && certs[0]?.der?.equals(new X509Certificate(m[0]).raw) === true, 'az ad app credential reset --create-cert: the certificate in az\'s file is the one the emulator holds, byte for byte');
  if (pemFile === undefined) return;
  const certEnv = { ...env, AZURE_CONFIG_DIR: join(dir, 'azure-cert') };
  await run(certEnv, ['cloud', 'register', '--name', 'Emulator', '--cloud-config', `@${join(dir, 'cloud.json')}`]);
  await run(certEnv, ['cloud', 'set', '--name', 'Emulator']);
  const before = emu.log.length;
  const certRan = await run(certEnv, ['login', '--service-principal', '--username', app.appId, '--password', pemFile, '--tenant', emu.tenantId, '--allow-no-subscriptions']);
  if (certRan.code !== 0) failures.push(`az login with the certificate: ${(/AADSTS\d+[^\n]*/.exec(certRan.err) ?? [certRan.err.slice(0, 300)])[0]}`);
  const certLogin = json<Array<{ tenantId: string; user: { name: string; type: string } }>>(certRan);
  check(certLogin?.[0]?.user.name === app.appId && certLogin[0].user.type === 'servicePrincipal', 'az login --service-principal with the certificate: signed in as the app');
  check(emu.log.slice(before).some((e) => e.service === 'entra' && e.path.includes('/oauth2/v2.0/token') && e.status === 200), 'az login with the certificate: the token endpoint answered 200');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'real-clients-az-'));
  let emu: Emulator | undefined;
  let forwarder: Server | undefined;
  try {
    isolateNames(dir);
    emu = await startEmulator();
    forwarder = await forward443(emu);
    await drive(emu, dir);
  } catch (e) {
    failures.push(`helper: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    forwarder?.close();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ commands, opened, matched, failures })}\n`);
}

void main();
