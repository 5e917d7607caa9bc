/**
 * `coder-platform status` as a service: reads a deployment's journal and lock (never AWS) and answers
 * where the deployment stands — each phase and step with state, times and last error, the versions
 * recorded by steps so far, and the next command to run.
 */
import type { GlobalOptions } from '../globals.js';
import { resumeCommandFor } from '../engine/resume-command.js';
import { readJournal, type PhaseRecord, type PhaseStatus } from '../engine/journal.js';
import { readLock, staleReason } from '../engine/lock.js';
import type { StepStatus } from '../engine/types.js';
import type { ObjectStore } from '../engine/object-store.js';
import { describeRemoteLock, parseRemoteLock, REMOTE_LOCK_KEY, remoteStaleReason } from '../engine/remote-lock.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock on the shared store, as status shows it (with who holds it: user or CI job). */
async function remoteLockStatus(store: ObjectStore): Promise<StatusResult['lock']> {
  const found = await store.get(REMOTE_LOCK_KEY);
  if (found === undefined) return undefined;
  const lock = parseRemoteLock(found.body);
  const stale = remoteStaleReason(lock, Date.now(), pidAlive);
  if (lock === 'unreadable')
    return { pid: 0, host: '', startedAt: '', command: '', stale: stale ?? describeRemoteLock(lock) };
  return {
    pid: lock.pid,
    host: lock.host,
    startedAt: lock.startedAt,
    command: lock.command,
    user: lock.user,
    expiresAt: lock.expiresAt,
    ...(lock.ciJob === undefined ? {} : { ciJob: lock.ciJob }),
    ...(stale === undefined ? {} : { stale }),
  };
}

export interface StatusOptions {
  deployment: string;
  /** The deployment's state directory (stateDirFor). */
  stateDir: string;
  /** The globals that select the deployment, repeated in the suggested commands. */
  globals: Pick<GlobalOptions, 'configPath' | 'stateDir' | 'awsProfile' | 'region'>;
  /** The s3 state backend's store (already pulled into stateDir): the lock is read from it. */
  remote?: ObjectStore | undefined;
}

export interface StatusStep {
  id: string;
  /** As recorded when the phase last ran. */
  title?: string;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface StatusPhase {
  name: string;
  status: PhaseStatus;
  version: number;
  startedAt?: string;
  endedAt?: string;
  /** The command that resumes it, when failed, interrupted or incomplete. */
  resumeCommand?: string;
  steps: StatusStep[];
}

export interface StatusResult {
  deployment: string;
  stateDir: string;
  /** Phases in the order they were first run. Empty before the first run. */
  phases: StatusPhase[];
  /** Versions recorded by done steps (outputs coderVersion / kubernetesVersion / chartVersion); newest wins. */
  versions: { coder?: string; kubernetes?: string; chart?: string };
  /** The run holding the lock, when there is one. */
  lock?: {
    pid: number;
    host: string;
    startedAt: string;
    command: string;
    stale?: string;
    user?: string;
    ciJob?: string;
    expiresAt?: string;
  };
  /** With the s3 backend: where the state lives, e.g. `s3://bucket/coder-platform/prod/`. */
  remote?: string;
  /** What to run next, or undefined while another run holds the lock. */
  nextCommand?: string;
  /** Why that command. */
  nextReason: string;
}

/** The lifecycle order of the phases that build a deployment. */
export const PHASE_SEQUENCE = [
  { phase: 'preflight', command: 'preflight' },
  { phase: 'day0-deploy', command: 'day0 deploy' },
  { phase: 'day1', command: 'day1' },
] as const;

/** `day0-deploy` → `day0 deploy`, `day2-restore-test` → `day2 restore-test`, `day1` → `day1`. */
export function commandForPhase(phase: string): string {
  const m = /^(day0|day2)-(.+)$/.exec(phase);
  return m === null ? phase : `${m[1]} ${m[2]}`;
}

const VERSION_KEYS = { coderVersion: 'coder', kubernetesVersion: 'kubernetes', chartVersion: 'chart' } as const;

function versionsOf(phases: Record<string, PhaseRecord>): StatusResult['versions'] {
  const found: { key: keyof StatusResult['versions']; value: string; at: string }[] = [];
  for (const phase of Object.values(phases)) {
    for (const step of Object.values(phase.steps)) {
      if (step.status !== 'done' || step.outputs === undefined) continue;
      for (const [outKey, key] of Object.entries(VERSION_KEYS)) {
        const v = step.outputs[outKey];
        if (typeof v === 'string' && v !== '') found.push({ key, value: v, at: step.endedAt ?? '' });
      }
    }
  }
  found.sort((a, b) => a.at.localeCompare(b.at));
  const versions: StatusResult['versions'] = {};
  for (const f of found) versions[f.key] = f.value;
  return versions;
}

export async function readStatus(options: StatusOptions): Promise<StatusResult> {
  const journal = await readJournal(options.stateDir);
  const phasesRec = journal?.phases ?? {};
  const phases: StatusPhase[] = Object.entries(phasesRec).map(([name, rec]) => ({
    name,
    status: rec.status,
    version: rec.version,
    ...(rec.startedAt === undefined ? {} : { startedAt: rec.startedAt }),
    ...(rec.endedAt === undefined ? {} : { endedAt: rec.endedAt }),
    ...(rec.resumeCommand === undefined ? {} : { resumeCommand: rec.resumeCommand }),
    steps: Object.entries(rec.steps).map(([id, s]) => ({
      id,
      ...(s.title === undefined ? {} : { title: s.title }),
      status: s.status,
      attempts: s.attempts,
      ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
      ...(s.endedAt === undefined ? {} : { endedAt: s.endedAt }),
      ...(s.durationMs === undefined ? {} : { durationMs: s.durationMs }),
      ...(s.error === undefined ? {} : { error: s.error }),
    })),
  }));

  const lockRaw = await readLock(options.stateDir);
  let lock: StatusResult['lock'];
  if (options.remote !== undefined) lock = await remoteLockStatus(options.remote);
  else if (lockRaw === 'unreadable')
    lock = { pid: 0, host: '', startedAt: '', command: '', stale: staleReason('unreadable') as string };
  else if (lockRaw !== undefined) {
    const stale = staleReason(lockRaw);
    lock = { ...lockRaw, ...(stale === undefined ? {} : { stale }) };
  }

  const result: StatusResult = {
    deployment: options.deployment,
    stateDir: options.stateDir,
    phases,
    versions: versionsOf(phasesRec),
    nextReason: '',
  };
  if (options.remote !== undefined) result.remote = options.remote.location;
  if (lock !== undefined) result.lock = lock;
  const cmd = (phaseCommand: string): string => resumeCommandFor(`coder-platform ${phaseCommand}`, options.globals);

  if (lock !== undefined && lock.stale === undefined) {
    result.nextReason = `A run is in progress (pid ${lock.pid} on ${lock.host}, \`${lock.command}\`); wait for it to finish.`;
    return result;
  }
  // A phase that stopped part-way comes first: the most recent one.
  const unfinished = phases
    .filter(
      (p) => p.status === 'failed' || p.status === 'interrupted' || p.status === 'running' || p.status === 'incomplete',
    )
    .sort((a, b) => (b.endedAt ?? b.startedAt ?? '').localeCompare(a.endedAt ?? a.startedAt ?? ''))[0];
  if (unfinished !== undefined) {
    const base = unfinished.resumeCommand ?? cmd(commandForPhase(unfinished.name));
    const broken = lock?.stale === undefined ? '' : ' --break-lock';
    result.nextCommand = `${base}${broken}`;
    const what =
      unfinished.status === 'running'
        ? 'stopped without recording its end (a crash or a kill)'
        : unfinished.status === 'incomplete'
          ? 'has steps not done yet'
          : unfinished.status;
    const failedStep = unfinished.steps.find((s) => s.status === 'failed');
    result.nextReason = `${unfinished.name} ${what}${failedStep === undefined ? '' : ` at step ${failedStep.id}: ${failedStep.error ?? ''}`}; resume it.${broken === '' ? '' : ' Its lock is stale.'}`;
    return result;
  }
  // A preflight that ran to the end but found critical problems: day0 deploy would refuse at its gate.
  const critical = criticalPreflightFailures(phasesRec.preflight);
  if (critical.length > 0 && phasesRec['day0-deploy']?.status !== 'succeeded') {
    result.nextCommand = cmd('preflight');
    result.nextReason = `preflight found ${critical.length} critical problem${critical.length === 1 ? '' : 's'} (${critical.join(', ')}); fix them and run it again.`;
    return result;
  }
  const destroyed =
    phasesRec['day0-destroy']?.status === 'succeeded' &&
    (phasesRec['day0-destroy']?.endedAt ?? '') > (phasesRec['day0-deploy']?.endedAt ?? '');
  for (const { phase, command } of PHASE_SEQUENCE) {
    if (phasesRec[phase]?.status !== 'succeeded' || (destroyed && phase !== 'preflight')) {
      result.nextCommand = cmd(command);
      result.nextReason =
        phasesRec[phase] === undefined || destroyed
          ? `${phase} has not run${destroyed ? ' since the deployment was destroyed' : ' yet'}.`
          : `${phase} is not complete.`;
      return result;
    }
  }
  result.nextCommand = cmd('day2 --help');
  result.nextReason =
    'The platform is deployed and configured; day-2 operations (upgrade, restore-test, scale-schedule) are next.';
  return result;
}

/** Ids of the critical checks a recorded preflight run failed (its steps' `results` outputs). */
function criticalPreflightFailures(record: PhaseRecord | undefined): string[] {
  if (record?.status !== 'succeeded') return [];
  const failed: string[] = [];
  for (const step of Object.values(record.steps)) {
    const text = step.status === 'done' ? step.outputs?.results : undefined;
    if (typeof text !== 'string') continue;
    try {
      for (const r of JSON.parse(text) as { id?: string; status?: string; critical?: boolean; unchecked?: boolean }[])
        if (r.status === 'fail' && r.critical === true && r.unchecked !== true && r.id) failed.push(r.id);
    } catch {
      // not a preflight result: nothing to report
    }
  }
  return failed;
}
