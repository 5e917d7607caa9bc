/**
 * The flags every phase command (preflight, day0, day1, day2 …) shares, each with a CODER_PLATFORM_*
 * variable, and their mapping to the engine's options. Spread `phaseFlags` into a command's `flags`.
 */
import { Flags } from '@oclif/core';
import { shellQuote } from './shell-quote.js';

export const phaseFlags = {
  'dry-run': Flags.boolean({
    summary: 'Print the step plan (what would run, be skipped or wait) and run nothing.',
    env: 'CODER_PLATFORM_DRY_RUN',
    default: false,
    helpGroup: 'PHASE',
  }),
  verify: Flags.boolean({
    summary: 'Re-probe steps the journal records as done, and run again those whose effect is gone.',
    env: 'CODER_PLATFORM_VERIFY',
    default: false,
    helpGroup: 'PHASE',
  }),
  restart: Flags.boolean({
    summary:
      "Forget this phase's progress in the journal and go through every step (probes still skip work already done).",
    env: 'CODER_PLATFORM_RESTART',
    default: false,
    exclusive: ['from', 'only'],
    helpGroup: 'PHASE',
  }),
  from: Flags.string({
    summary: 'Run from this step id on, treating earlier steps as done.',
    env: 'CODER_PLATFORM_FROM',
    exclusive: ['only', 'restart'],
    helpGroup: 'PHASE',
  }),
  only: Flags.string({
    summary: 'Run only this step id (its dependencies must be done).',
    env: 'CODER_PLATFORM_ONLY',
    exclusive: ['from', 'restart'],
    helpGroup: 'PHASE',
  }),
  'break-lock': Flags.boolean({
    summary:
      "Break this deployment's lock if it is stale (its process is gone, it is older than 12 h, or its S3 lease expired).",
    env: 'CODER_PLATFORM_BREAK_LOCK',
    default: false,
    helpGroup: 'PHASE',
  }),
};

/** The parsed phase flags, engine-side names. */
export interface PhaseFlagValues {
  dryRun: boolean;
  verify: boolean;
  restart: boolean;
  from: string | undefined;
  only: string | undefined;
  breakLock: boolean;
}

/** Map a command's parsed flags (which include `phaseFlags`) to PhaseFlagValues. */
export function phaseFlagValues(flags: Record<string, unknown>): PhaseFlagValues {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  return {
    dryRun: flags['dry-run'] === true,
    verify: flags.verify === true,
    restart: flags.restart === true,
    from: str(flags.from),
    only: str(flags.only),
    breakLock: flags['break-lock'] === true,
  };
}

/**
 * The command plus the flags of its own that decide what a run does (`--prune`, `--users-file F`), so the
 * resume command printed after a failure repeats them. true → `--name`; a string → `--name value`; a list
 * → one `--name value` each; false and undefined are left out.
 */
export function commandWithFlags(
  command: string,
  flags: Record<string, string | number | boolean | readonly string[] | undefined>,
): string {
  const parts = [command];
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    if (value === true) parts.push(`--${name}`);
    else for (const v of Array.isArray(value) ? value : [String(value)]) parts.push(`--${name}`, shellQuote(v));
  }
  return parts.join(' ');
}
