/**
 * Engine overhead of re-running a completed 20-step phase (goal: < 1 s), against baselines measured in
 * the same run:
 * - in process: median re-run time (lock, journal read + atomic write, plan, 20 skips) vs an empty
 *   async loop of 20 awaits;
 * - as a fresh process on the built engine (dist/, `npm run bench` builds it): wall time vs `node -e 0`,
 *   the difference being what the engine adds to a command's start-up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RecordingHost } from '../src/engine/host.js';
import { runPhase } from '../src/engine/run-phase.js';
import type { Phase } from '../src/engine/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STEPS = 20;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const time = async (fn: () => Promise<unknown> | unknown): Promise<number> => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

function phase(): Phase {
  return {
    name: 'bench',
    version: 1,
    steps: Array.from({ length: STEPS }, (_, i) => ({
      id: `step-${i}`,
      title: `Step ${i}`,
      dependsOn: i === 0 ? [] : [`step-${i - 1}`, ...(i > 2 ? [`step-${i - 3}`] : [])],
      isDone: async () => undefined,
      run: async () => ({ id: `resource-${i}`, version: '1.2.3', zones: ['a', 'b', 'c'] }),
    })),
  };
}

const stateDir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
const options = { deployment: 'bench', stateDir, command: 'bench' };
const first = await runPhase(phase(), undefined, { ...options, host: new RecordingHost() });
if (first.status !== 'succeeded') throw new Error(`setup run ${first.status}`);

const loops: number[] = [];
for (let n = 0; n < 5; n += 1) {
  loops.push(
    await time(async () => {
      for (let i = 0; i < STEPS; i += 1) await Promise.resolve();
    }),
  );
}
const emptyLoop = median(loops);
const reruns: number[] = [];
for (let i = 0; i < 15; i += 1) {
  reruns.push(
    await time(async () => {
      const r = await runPhase(phase(), undefined, { ...options, host: new RecordingHost() });
      if (r.status !== 'succeeded' || r.steps.some((s) => s.attempts !== 1))
        throw new Error('a completed step ran again');
    }),
  );
}
const inProcess = median(reruns);
console.log(`baseline: empty loop of ${STEPS} awaits   ${emptyLoop.toFixed(3)} ms`);
console.log(
  `in-process re-run of a completed ${STEPS}-step phase: ${inProcess.toFixed(1)} ms (median of ${reruns.length}; ${(inProcess / Math.max(emptyLoop, 0.001)).toFixed(0)}x the empty loop)`,
);

const built = join(root, 'dist/src/engine/run-phase.js');
if (existsSync(built)) {
  const script = `
    const { runPhase } = await import(${JSON.stringify(pathToFileURL(built).href)});
    const { RecordingHost } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/engine/host.js')).href)});
    const steps = Array.from({ length: ${STEPS} }, (_, i) => ({ id: 'step-' + i, title: 'Step ' + i, dependsOn: i === 0 ? [] : ['step-' + (i - 1)], run: async () => ({}) }));
    const r = await runPhase({ name: 'bench', version: 1, steps }, undefined, { deployment: 'bench', stateDir: ${JSON.stringify(stateDir)}, command: 'bench', host: new RecordingHost() });
    if (r.status !== 'succeeded') process.exit(1);`;
  // Interleaved, so load from other processes affects both series alike.
  const base: number[] = [];
  const child: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    base.push(await time(() => execFileSync(process.execPath, ['-e', '0'])));
    child.push(
      await time(() => execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' })),
    );
  }
  const nodeStart = median(base);
  const fresh = median(child);
  const overhead = fresh - nodeStart;
  console.log(`baseline: node -e 0                 ${nodeStart.toFixed(0)} ms`);
  console.log(
    `fresh process re-run (built engine): ${fresh.toFixed(0)} ms = node start + ${overhead.toFixed(0)} ms (${(fresh / nodeStart).toFixed(2)}x node -e 0)`,
  );
  console.log(`engine overhead ${overhead.toFixed(0)} ms — goal < 1000 ms: ${overhead < 1000 ? 'met' : 'MISSED'}`);
  if (overhead >= 1000) process.exitCode = 1;
} else {
  console.log(
    `in-process overhead ${inProcess.toFixed(0)} ms — goal < 1000 ms: ${inProcess < 1000 ? 'met' : 'MISSED'} (dist/ not built: run \`npm run bench\` for the fresh-process figure)`,
  );
  if (inProcess >= 1000) process.exitCode = 1;
}
