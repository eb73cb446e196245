/**
 * `npm run emulator`: the line it prints runs the bundled action against the emulator, as pasted in a shell.
 * In-process: the line from actionCommand, run with `sh -c`, writes the repository secret (opened and compared).
 * As a child process: the script itself, its printed line run the same way, then Ctrl-C (SIGINT) stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorEnv, startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, REPO, standardSetup } from '../test/harness.ts';
import { actionCommand, shellQuote } from '../scripts/emulator-command.ts';

/** Runs a pasted line as a shell would, with only PATH and HOME from the environment (asynchronously: the emulator may be in this process). */
async function paste(line: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', line], { env: { PATH: `${join(process.execPath, '..')}:${process.env['PATH'] ?? ''}`, HOME: process.env['HOME'] ?? '/' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  return { status, stdout, stderr };
}

describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['INPUT_ENVIRONMENTS=staging area', `'INPUT_ENVIRONMENTS=staging area'`],
    ["it's", `'it'\\''s'`],
    ['a\nb', `'a\nb'`],
  ])('%j', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
    expect(spawnSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }).stdout).toBe(word);
  });
});

describe('the line npm run emulator prints', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    emu = await startEmulator();
    standardSetup(emu);
    dir = mkdtempSync(join(tmpdir(), 'emulator-line-'));
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes every input through env (hyphens kept), exports nothing, and writes the secret when pasted', async () => {
    const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), runnerTemp: dir };
    for (const f of [files.output, files.summary]) writeFileSync(f, '');
    const inputs = { ...baseInputs(emu), 'app-name': 'pasted app', environments: 'production\nstaging area' };
    const line = actionCommand(emulatorEnv(emu, { GITHUB_REPOSITORY: REPO }), files, inputs);
    expect(line).toMatch(/^env /);
    expect(line).not.toMatch(/\bexport\b/);
    expect(line).toContain('INPUT_APP-NAME=');
    expect(line).toContain('INPUT_DRY-RUN=false'); // a default, as the runner passes it
    const run = await paste(line);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const app = emu.graph.apps.find((a) => a.displayName === 'pasted app');
    expect(app?.passwordCredentials).toHaveLength(1);
    for (const environment of ['production', 'staging area']) {
      const value = emu.github.open({ repo: REPO, environment }, 'AZURE_CLIENT_SECRET');
      expect(value !== undefined && emu.handedOut().includes(value)).toBe(true);
    }
    expect(readFileSync(files.output, 'utf8')).toMatch(/^rotated<<\S+\ntrue\n/m);
  });
});

describe('npm run emulator', () => {
  it('prints one line that runs the action against it, shows what it holds, and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'scripts/emulator.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', done));
    const until = async (re: RegExp): Promise<RegExpMatchArray> => {
      for (let i = 0; i < 200; i += 1) {
        const m = stdout.match(re);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`not printed: ${String(re)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    };
    try {
      const lines = (await until(/Ctrl-C to stop/)) && stdout.split('\n').filter((l) => l.startsWith('env '));
      expect(lines).toHaveLength(1);
      const run = await paste(lines[0] ?? '');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      await until(/repository: AZURE_CLIENT_SECRET \(written \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
      const outputFile = (await until(/outputs go to (\S+), /))[1] ?? '';
      expect(readFileSync(outputFile, 'utf8')).toMatch(/^rotated<<\S+\ntrue\n/m);
      child.kill('SIGINT');
      expect(await closed).toBe(0);
      expect(existsSync(outputFile)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
