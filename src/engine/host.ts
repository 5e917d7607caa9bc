/**
 * The injected host every service, step and phase talks to instead of a terminal (style.md P4).
 * Renderers (src/ui) implement it: listr2 on a TTY, a plain line renderer in CI, silence under --json.
 * Hosts match on `code`, never on message text.
 */
import { UserError } from '../errors.js';

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface PlatformEvent {
  /** ISO-8601 time the event was emitted. */
  time: string;
  level: EventLevel;
  /** Stable code, e.g. `PREFLIGHT_QUOTA_SHORT` or `CDK_TOOLKIT_I5502`. */
  code: string;
  /** One line for a person. Never contains a secret. */
  message: string;
  /** The step that emitted it, when inside a phase. */
  stepId?: string;
  /** Structured, non-secret detail. */
  data?: Record<string, unknown>;
}

export interface ConfirmRequest {
  /** Stable code of the question, e.g. `DAY0_SECURITY_CHANGES`. */
  code: string;
  /** The question. */
  message: string;
  /** When set, the operator must type this exact text (e.g. the deployment name) to confirm. */
  typeToConfirm?: string;
  /** The step asking, when inside a phase (the engine fills it in); lets a task-list renderer place the prompt. */
  stepId?: string;
}

/**
 * How the engine tells a renderer about a phase's lifecycle: it emits these well-known codes through the
 * same `emit()` as every other event (no second interface), so any EventHost can record or render them.
 *
 * - ENGINE_PHASE_START  data: { phase, deployment, concurrency, steps: EngineStepInfo[] }
 * - ENGINE_STEP_START   stepId; data: { title, attempt, expectedSeconds? }  (probe and run both follow)
 * - ENGINE_STEP_END     stepId; data: { title, status: StepStatus, reason?: 'journal' | 'probe' | 'disabled'
 *                       | 'not-selected' | 'run', durationMs?, error? }  — also sent, without a START, for
 *                       steps that will not run (already done, disabled, not selected)
 * - ENGINE_PHASE_END    data: { phase, status, resumeCommand? }
 * - ENGINE_PLAN         data: { phase, deployment, steps: EngineStepInfo[] } — the --dry-run plan; renderers print it
 * - ENGINE_CLEANUP / ENGINE_CLEANUP_FAILED, ENGINE_LOCK_BROKEN, ENGINE_VERIFY_REDO, and ENGINE_INTERRUPT
 *   (from executePhase on the first Ctrl-C) — informational, rendered as plain lines.
 * Implemented by src/ui/renderers (listr.ts on a terminal, line.ts in CI/pipes) and recorded by RecordingHost.
 * Every other event carrying a stepId is progress of that step (a sub-line under it).
 */
export const ENGINE_EVENTS = {
  phaseStart: 'ENGINE_PHASE_START',
  stepStart: 'ENGINE_STEP_START',
  stepEnd: 'ENGINE_STEP_END',
  phaseEnd: 'ENGINE_PHASE_END',
  plan: 'ENGINE_PLAN',
} as const;

/** One step as described in ENGINE_PHASE_START and ENGINE_PLAN. */
export interface EngineStepInfo {
  id: string;
  title: string;
  dependsOn: string[];
  expectedSeconds?: number;
  /** run: will run now; wait: will run after its dependencies; skip: will not run. */
  plan: 'run' | 'skip' | 'wait';
  /** Why (e.g. `done in the journal`, `disabled`, `not selected by --only`, `after network`). */
  reason: string;
  /**
   * Dry runs with credentials only: what the step's isDone probe found — `done` (the step would be
   * skipped), `not-done` (it would run) or `error` (the probe failed; `reason` says why).
   */
  probed?: 'done' | 'not-done' | 'error';
}

export interface EventHost {
  /** Record an event; renderers decide whether and how to show it. */
  emit(event: Omit<PlatformEvent, 'time'> & { time?: string }): void;
  /**
   * Ask the operator. Resolves true with `--yes`; in non-interactive mode without `--yes` it throws a
   * UserError naming the flag to pass, so CI never hangs and never silently approves.
   */
  confirm(request: ConfirmRequest): Promise<boolean>;
}

/**
 * A host that shows nothing and keeps every event: the `--json` host (the result is the only output)
 * and the host of callers that only want the returned data. It can never prompt: with `yes` it
 * approves, otherwise it refuses with the flag to pass.
 */
export class RecordingHost implements EventHost {
  readonly events: PlatformEvent[] = [];
  constructor(private readonly answers: { yes?: boolean } = {}) {}
  emit(event: Omit<PlatformEvent, 'time'> & { time?: string }): void {
    this.events.push({ ...event, time: event.time ?? new Date().toISOString() });
  }
  async confirm(request: ConfirmRequest): Promise<boolean> {
    if (this.answers.yes === true) return true;
    throw new UserError(`Confirmation needed and no terminal to ask: ${request.message}`, {
      nextSteps: ['Re-run with --yes to approve in non-interactive mode.'],
    });
  }
}
