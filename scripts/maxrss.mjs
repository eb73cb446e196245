// The benchmark's entry: runs the bundled action as is, and writes the process's peak resident memory (kB) to
// MAXRSS_FILE when it exits. BENCH_DIST names another bundle to run (an earlier build, for before/after figures).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

process.on('exit', () => {
  if (process.env.MAXRSS_FILE) writeFileSync(process.env.MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
await import(process.env.BENCH_DIST ? pathToFileURL(process.env.BENCH_DIST).href : '../dist/index.js');
