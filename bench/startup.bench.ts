/**
 * Start-up cost of the CLI: `coder-platform --version` and `--help` wall time as a ratio to `node -e 0`
 * measured in the same run (median of RUNS). Goal ≤ 1.6×; needs dist/ and oclif.manifest.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const GOAL = 1.6;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function time(args: string[]): number {
  const samples: number[] = [];
  spawnSync(process.execPath, args, { stdio: 'ignore' }); // warm the file cache
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

if (!existsSync(join(root, 'oclif.manifest.json'))) console.log('note: no oclif.manifest.json — oclif scans dist/ on every start (run `npx oclif manifest`)');
const baseline = time(['-e', '0']);
console.log(`node -e 0                    ${baseline.toFixed(0)} ms (baseline, median of ${RUNS})`);
let over = 0;
for (const args of [['--version'], ['--help']]) {
  const ms = time([bin, ...args]);
  const ratio = ms / baseline;
  if (ratio > GOAL) over += 1;
  console.log(`coder-platform ${args.join(' ').padEnd(13)} ${ms.toFixed(0)} ms  ${ratio.toFixed(2)}× node -e 0  (goal ≤ ${GOAL}×)${ratio > GOAL ? '  OVER' : ''}`);
}
if (over > 0) console.log(`${over} start-up figure(s) above the ${GOAL}× goal`);
