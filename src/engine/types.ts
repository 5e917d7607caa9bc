/**
 * The contract between phases (src/phases/**) and the engine (src/engine/**). Phases only declare
 * steps; the engine owns ordering, concurrency, the journal, the lock, resume, cleanup and rendering.
 */
import type { EventHost } from './host.js';
import type { ObjectStore } from './object-store.js';

/** Non-secret values a step hands to later steps (stack outputs, ids, versions). JSON-serialisable. */
export type StepOutputs = Record<string, string | number | boolean | null | string[]>;

export interface StepContext<Services = unknown> {
  /** Emit progress and findings; the engine adds the step id. Never pass secrets. */
  readonly host: EventHost;
  /** Outputs of the steps this one depends on (and every earlier done step), by step id. */
  readonly outputs: Readonly<Record<string, StepOutputs>>;
  /** The phase's own collaborators (AWS clients, helm runner, Coder client …), built by the phase. */
  readonly services: Services;
  /** Aborted on SIGINT/SIGTERM: long waits must honour it. */
  readonly signal: AbortSignal;
  /** How many times this step has been attempted, including this one (1 on the first run). */
  readonly attempt: number;
}

export interface Step<Services = unknown> {
  /** Stable id, used in the journal and in --from / --only. kebab-case. */
  id: string;
  /** One line for a person. */
  title: string;
  /** Ids of steps that must be done first. Steps without a path between them may run concurrently. */
  dependsOn?: string[];
  /** Expected duration in seconds, for the ETA. */
  expectedSeconds?: number;
  /**
   * Probe the real system: resolve with outputs when the step's effect is already true (so a lost journal
   * does not redo work), or undefined when the step must run.
   */
  isDone?: (ctx: StepContext<Services>) => Promise<StepOutputs | undefined>;
  /** Do the work. Must be idempotent: a step found `running` after a crash is run again. */
  run: (ctx: StepContext<Services>) => Promise<StepOutputs | void>;
  /** Runs when the phase fails or is interrupted after this step started (e.g. delete a temporary database). */
  cleanup?: (ctx: StepContext<Services>) => Promise<void>;
  /** When false the step is shown as skipped (e.g. no license configured). @default true */
  enabled?: boolean;
}

export interface Phase<Services = unknown> {
  /** e.g. `preflight`, `day0-deploy`, `day1`, `day2-restore-test`. */
  name: string;
  /** Bump when the step list changes incompatibly; the journal records it. */
  version: number;
  steps: Step<Services>[];
}

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'interrupted';

export interface RunPhaseOptions {
  /** Deployment name (journal and lock are per deployment). */
  deployment: string;
  /** State directory, default `.coder-platform/<deployment>/`. */
  stateDir: string;
  /** The command line that started the run, for the lock and the resume hint, e.g. `coder-platform day1`. */
  command: string;
  host: EventHost;
  /** Max steps running at once. @default 4 */
  concurrency?: number;
  /** Re-probe done steps with isDone. */
  verify?: boolean;
  /** Forget the journal's progress for this phase and run every step. */
  restart?: boolean;
  /** Start at this step (earlier steps are treated as done). */
  from?: string;
  /** Run only this step. */
  only?: string;
  /** Break a stale lock. */
  breakLock?: boolean;
  /** Print the plan and run nothing. */
  dryRun?: boolean;
  /**
   * With dryRun: also run the read-only isDone probes of the steps that would be probed, in order, as far
   * as their dependencies are known done, and show what they found. Only when credentials are at hand:
   * without this no step code runs at all.
   */
  probe?: boolean;
  /**
   * Aborted on SIGINT/SIGTERM (executePhase wires it): no new step starts, running steps see ctx.signal
   * aborted, cleanups run, the journal is written and the result is `interrupted`.
   */
  signal?: AbortSignal;
  /** The command that resumes this phase, for the hint and the journal. @default command */
  resumeCommand?: string;
  /**
   * The s3 state backend: the lock, journal, reports and generated files live in this store; stateDir is
   * the local working copy. Undefined: the local backend.
   */
  remote?: ObjectStore;
}

export interface StepResult {
  id: string;
  title: string;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: string;
  outputs?: StepOutputs;
  /** For dry runs: what would happen. */
  plan?: 'run' | 'skip' | 'wait';
  /** For dry runs with credentials: what the step's isDone probe found. */
  probed?: { found: 'done'; outputs: StepOutputs } | { found: 'not-done' } | { found: 'error'; error: string };
}

export interface PhaseResult {
  phase: string;
  deployment: string;
  status: 'succeeded' | 'failed' | 'interrupted' | 'planned';
  steps: StepResult[];
  /** Outputs of every done step, by step id. */
  outputs: Record<string, StepOutputs>;
  /** The exact command that resumes a failed or interrupted run. */
  resumeCommand?: string;
  /** The first step that failed (status `failed`): what to tell the operator. */
  failure?: {
    stepId: string;
    title: string;
    /** One line. */
    error: string;
    /** The failed step's own next steps (from its CoderPlatformError), before the resume hint. */
    nextSteps: string[];
  };
}
