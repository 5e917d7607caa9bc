/** Shared helpers for the engine tests: run the demo-phase fixture as a real child process. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The fixture phase as a real oclif command (BaseCommand, phaseFlags, createHost, executePhase). */
export const fixture = join(projectRoot, 'test/engine/fixtures/demo-phase.ts');
/** The same phase on runPhase alone (no oclif): the cheap child for many crash/resume cycles. */
export const crashFixture = join(projectRoot, 'test/engine/fixtures/crash-phase.ts');

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'engine-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run the fixture; `onStderr` may act on output as it arrives (e.g. send SIGINT). */
export function runFixture(
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
  script = fixture,
): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: projectRoot,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
