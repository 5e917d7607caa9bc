/**
 * How day-2 services run their phase without knowing about flags or signals: the command passes a runner
 * (executePhase with its flags), tests pass runPhase with a temporary state directory. A day-2 operation
 * that finished before starts afresh (each restore test or upgrade is a new run); an unfinished one resumes.
 */
import type { GlobalOptions } from '../../globals.js';
import type { EventHost } from '../../engine/host.js';
import type { ObjectStore } from '../../engine/object-store.js';
import { readJournal } from '../../engine/journal.js';
import type { PhaseFlagValues } from '../../phase-flags.js';
import type { Phase, PhaseResult } from '../../engine/types.js';

export type PhaseRunner = <S>(phase: Phase<S>, services: S, overrides: { restart: boolean }) => Promise<PhaseResult>;

export interface PreviousRun {
  status: string;
  /** Outputs of the steps recorded done, by step id. */
  outputs: Record<string, Record<string, unknown>>;
}

/** The journal's record of the phase's last run, if any. */
export async function previousRun(stateDir: string, phaseName: string): Promise<PreviousRun | undefined> {
  const journal = await readJournal(stateDir);
  const record = journal?.phases[phaseName];
  if (record === undefined) return undefined;
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [id, step] of Object.entries(record.steps))
    if (step.status === 'done' && step.outputs) outputs[id] = step.outputs;
  return { status: record.status, outputs };
}

/**
 * The runner commands use: executePhase with the command's phase flags; a service may force a restart,
 * except when the operator chose the steps (--from / --only win). executePhase closes its host, so each run
 * gets a new one from `host`.
 */
export function executeRunner(o: {
  deployment: string;
  command: string;
  globals: GlobalOptions;
  flags: PhaseFlagValues;
  host: () => EventHost & { close(): Promise<void> };
  /** With --dry-run: whether the plan may run the read-only probes (credentials at hand). */
  probe?: () => boolean;
  /** The s3 state backend's store; undefined: local. */
  remote?: ObjectStore | undefined;
}): PhaseRunner {
  return async (phase, services, overrides) => {
    const { executePhase } = await import('../../engine/execute.js');
    const chosen = o.flags.from !== undefined || o.flags.only !== undefined;
    return executePhase(phase, services, {
      deployment: o.deployment,
      command: o.command,
      globals: o.globals,
      host: o.host(),
      probe: o.probe?.() === true,
      flags: { ...o.flags, restart: o.flags.restart || (overrides.restart && !chosen) },
      remote: o.remote,
    });
  };
}
