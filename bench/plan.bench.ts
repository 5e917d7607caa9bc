/**
 * `coder-platform plan` (the built binary, scale-3000) against `npx cdk synth` of the same app in assets/cdk,
 * measured in the same run. Goals: plan ≤ 0.5 × cdk synth wall time; plan peak RSS ≤ 600 MB.
 * Peak memory comes from GNU time (`/usr/bin/time -v`, "Maximum resident set size") when present, else from
 * polling /proc/<pid>/status VmHWM of the child.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Sample {
  ms: number;
  peakMb: number | undefined;
}

function measure(command: string, args: string[], cwd: string): Promise<Sample> {
  const argv = GNU_TIME ? [GNU_TIME, '-v', command, ...args] : [command, ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDK_VALIDATION: 'false', CI: 'true' },
    });
    let stderr = '';
    let hwmKb = 0;
    const poll = GNU_TIME
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
          } catch {
            // the child has exited
          }
        }, 50);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      const gnu = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const kb = gnu ? Number(gnu[1]) : hwmKb;
      resolve({ ms, peakMb: kb > 0 ? kb / 1024 : undefined });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'src', 'commands', 'plan.js')))
    throw new Error('Build first: npm run build (npm run bench does it).');
  const work = await mkdtemp(join(tmpdir(), 'plan-bench-'));
  try {
    const configPath = join(work, 'coder-platform.yaml');
    await writeFile(
      configPath,
      'profile: scale-3000\ndeployment: {name: bench, environment: production}\ndns: {domain: example.com}\ncoder: {admin: {email: admin@example.com}}\n',
    );
    const plan: Sample[] = [];
    const synth: Sample[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // Alternate so machine load affects both alike.
      plan.push(
        await measure(
          process.execPath,
          [
            join(root, 'bin', 'run.js'),
            'plan',
            '--config',
            configPath,
            '--state-dir',
            join(work, `state-${i}`),
            '--json',
          ],
          root,
        ),
      );
      synth.push(
        await measure(
          'npx',
          ['cdk', 'synth', '--quiet', '-c', `config=${configPath}`, '-o', join(work, `cdk-out-${i}`)],
          join(root, 'assets', 'cdk'),
        ),
      );
    }
    const planMs = median(plan.map((s) => s.ms));
    const synthMs = median(synth.map((s) => s.ms));
    const ratio = planMs / synthMs;
    const peaks = plan.map((s) => s.peakMb).filter((x): x is number => x !== undefined);
    const peak = peaks.length > 0 ? Math.max(...peaks) : undefined;
    console.log(`plan (bin/run.js, scale-3000): median ${(planMs / 1000).toFixed(2)} s over ${RUNS} runs`);
    console.log(`npx cdk synth (assets/cdk, same config): median ${(synthMs / 1000).toFixed(2)} s`);
    console.log(`ratio plan / cdk synth: ${ratio.toFixed(2)}× (goal ≤ 0.50×) ${ratio <= 0.5 ? 'MET' : 'NOT MET'}`);
    console.log(
      `plan peak RSS: ${peak === undefined ? 'unknown' : `${peak.toFixed(0)} MB`} (goal ≤ 600 MB) ${peak !== undefined && peak <= 600 ? 'MET' : 'NOT MET'} [${GNU_TIME ? 'GNU time' : '/proc VmHWM'}]`,
    );
    const synthPeaks = synth.map((s) => s.peakMb).filter((x): x is number => x !== undefined);
    if (synthPeaks.length > 0)
      console.log(`cdk synth peak RSS (largest process, for reference): ${Math.max(...synthPeaks).toFixed(0)} MB`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
