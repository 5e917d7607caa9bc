/**
 * Start-up cost of the CLI: wall time of `--version`, `--help` and the everyday offline commands (`status`,
 * `config validate`, `config show`, against a config written by `init` in a scratch directory) as a ratio to
 * `node -e 0` measured in the same run. The runs are interleaved (one of each per round) so a change in machine
 * load hits the baseline and the commands alike; each figure is the median of RUNS rounds.
 * Goals: --version ≤ 1.3×, the others ≤ 2.5×. Needs dist/ (npm run build) and oclif.manifest.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const cases: { label: string; args: string[]; goal: number }[] = [
  { label: '--version', args: [bin, '--version'], goal: 1.3 },
  { label: '--help', args: [bin, '--help'], goal: 2.5 },
  { label: 'status', args: [bin, 'status'], goal: 2.5 },
  { label: 'config validate', args: [bin, 'config', 'validate'], goal: 2.5 },
  { label: 'config show', args: [bin, 'config', 'show'], goal: 2.5 },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function once(args: string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

if (!existsSync(join(root, 'oclif.manifest.json')))
  console.log('note: no oclif.manifest.json — oclif scans dist/ on every start (run `npx oclif manifest`)');
const work = mkdtempSync(join(tmpdir(), 'cp-bench-'));
try {
  once([bin, 'init', '--non-interactive', '--shape', 'mvp-500', '--domain', 'example.com'], work);
  const all = [{ label: 'node -e 0', args: ['-e', '0'], goal: 0 }, ...cases];
  for (const c of all) once(c.args, work); // warm the file cache
  const samples = all.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round += 1) all.forEach((c, i) => samples[i]!.push(once(c.args, work)));
  const baseline = median(samples[0]!);
  console.log(`node -e 0                      ${baseline.toFixed(0)} ms (baseline, median of ${RUNS}, interleaved)`);
  let over = 0;
  cases.forEach((c, i) => {
    const ms = median(samples[i + 1]!);
    const ratio = ms / baseline;
    if (ratio > c.goal) over += 1;
    console.log(
      `coder-platform ${c.label.padEnd(15)} ${ms.toFixed(0).padStart(4)} ms  ${ratio.toFixed(2)}× node -e 0  (goal ≤ ${c.goal}×)${ratio > c.goal ? '  OVER' : ''}`,
    );
  });
  if (over > 0) console.log(`${over} start-up figure(s) above their goal`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
