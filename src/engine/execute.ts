/**
 * What every phase command calls: resolves the state directory and the exact resume command, installs
 * SIGINT/SIGTERM handling for the run, runs the phase on the engine, closes the host, and turns a failed
 * or interrupted phase into the right error (exit 1 / 130) naming the step, the cause and the resume command.
 *
 * Signals: the first SIGINT/SIGTERM aborts the run's AbortSignal — no new step starts, running steps see
 * ctx.signal aborted, cleanups run, the journal is written — and then CancelledError (exit 130) is thrown.
 * A second SIGINT exits 130 at once (removing our lock); the journal is still valid because every write is
 * atomic, and the step left `running` is re-probed and re-run on resume.
 */
import { writeSync } from 'node:fs';
import type { GlobalOptions } from '../globals.js';
import { CancelledError, CheckFailedError } from '../errors.js';
import type { PhaseFlagValues } from '../phase-flags.js';
import { shellQuote as quote } from '../shell-quote.js';
import { resumeCommandFor } from './resume-command.js';
import { stateDirFor } from './state-dir.js';
import type { EventHost } from './host.js';
import type { ObjectStore } from './object-store.js';
import { releaseOwnLockSync } from './lock.js';
import { runPhase } from './run-phase.js';
import type { Phase, PhaseResult } from './types.js';

export interface ExecutePhaseOptions {
  /** Deployment name (config deployment.name). */
  deployment: string;
  /** The command without flags, e.g. `coder-platform day1` or `coder-platform day2 upgrade`. */
  command: string;
  globals: GlobalOptions;
  flags: PhaseFlagValues;
  /** The host from createHost(); closed before this returns or throws. */
  host: EventHost & { close(): Promise<void> };
  /** Max steps at once. @default 4 */
  concurrency?: number;
  /** With --dry-run: run the read-only isDone probes too (only when credentials are at hand). */
  probe?: boolean;
  /** The phase's state directory when it is not the deployment's (state init keeps its own). @default stateDirFor(globals) */
  stateDir?: string;
  /** The s3 state backend's store (stateBackendFor in src/services/state-backend.ts); undefined: local. */
  remote?: ObjectStore | undefined;
}

export { resumeCommandFor };

function commandLine(resume: string, flags: PhaseFlagValues): string {
  const parts = [resume];
  if (flags.restart) parts.push('--restart');
  if (flags.from !== undefined) parts.push('--from', quote(flags.from));
  if (flags.only !== undefined) parts.push('--only', quote(flags.only));
  if (flags.verify) parts.push('--verify');
  return parts.join(' ');
}

/** Run a phase for a command. Resolves with the result when it succeeded (or was planned); throws otherwise. */
export async function executePhase<S>(
  phase: Phase<S>,
  services: S,
  options: ExecutePhaseOptions,
): Promise<PhaseResult> {
  const { host, flags, globals } = options;
  const resumeCommand = resumeCommandFor(options.command, globals);
  const stateDir = options.stateDir ?? stateDirFor(globals.stateDir, options.deployment);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      host.emit({
        level: 'warn',
        code: 'ENGINE_INTERRUPT',
        message: `${name}: stopping after the running steps and their cleanup; press Ctrl-C again to exit now.`,
      });
      controller.abort(new CancelledError());
      return;
    }
    // writeSync: a task-list renderer may be buffering process.stderr; this line must get out before exit.
    // The task-list renderer hid the cursor; exiting without its cleanup would leave the terminal without one.
    writeSync(
      2,
      `${process.stderr.isTTY ? '\u001b[?25h' : ''}\nStopped at once. The journal is consistent; resume with: ${resumeCommand}\n`,
    );
    releaseOwnLockSync(stateDir);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: PhaseResult;
  try {
    result = await runPhase(phase, services, {
      deployment: options.deployment,
      stateDir,
      command: commandLine(resumeCommand, flags),
      resumeCommand,
      host,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      verify: flags.verify,
      restart: flags.restart,
      ...(flags.from === undefined ? {} : { from: flags.from }),
      ...(flags.only === undefined ? {} : { only: flags.only }),
      breakLock: flags.breakLock,
      dryRun: flags.dryRun,
      probe: flags.dryRun && options.probe === true,
      signal: controller.signal,
      ...(options.remote === undefined ? {} : { remote: options.remote }),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await host.close();
  }
  if (result.status === 'failed') {
    const f = result.failure;
    const what =
      f === undefined ? `${phase.name} failed` : `${phase.name} failed at step "${f.title}" (${f.stepId}): ${f.error}`;
    throw new CheckFailedError(what, {
      nextSteps: [...(f?.nextSteps ?? []), `Fix the cause, then resume with: ${resumeCommand}`],
    });
  }
  if (result.status === 'interrupted') {
    throw new CancelledError(`${phase.name} was interrupted; its progress is saved in the journal.`, {
      nextSteps: [`Resume with: ${resumeCommand}`],
    });
  }
  return result;
}
