// The benchmark's entry: runs the bundled action as is, and writes the process's peak resident memory (kB) to
// MAXRSS_FILE when it exits.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MAXRSS_FILE) writeFileSync(process.env.MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
await import('../dist/index.js');
