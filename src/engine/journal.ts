/**
 * The journal: one JSON file per deployment (`<stateDir>/journal.json`) recording, for every phase, the
 * status, attempts, times, one-line error and outputs of each step.
 *
 * Crash safety: every write goes to a temporary file in the same directory, is fsynced, renamed over
 * journal.json (atomic on POSIX file systems) and the directory is fsynced, so a crash at any instant
 * leaves either the previous or the new journal, never a torn one. Writes are serialised in-process.
 *
 * Secrets: step outputs are written to disk in clear text and shown by `status` and `--json`, so they
 * must never hold a secret — only references (ARNs, Secrets Manager names), ids, names and versions.
 * `checkOutputs` rejects anything that is not a JSON scalar or an array of strings.
 *
 * A journal that does not parse, or carries a schema version this CLI does not know, is reported as a
 * UserError that says what to do; it is never silently discarded or overwritten.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BugError, UserError } from '../errors.js';
import type { StepOutputs, StepStatus } from './types.js';

export const JOURNAL_FILE = 'journal.json';
export const JOURNAL_SCHEMA_VERSION = 1;

/** `incomplete`: the last run (e.g. --only) succeeded but some steps are not done yet. */
export type PhaseStatus = 'running' | 'succeeded' | 'incomplete' | 'failed' | 'interrupted';

export interface StepRecord {
  status: StepStatus;
  attempts: number;
  /** The step's title when the phase last ran (so `status` can name steps that have not started). */
  title?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** One line, never a secret. */
  error?: string;
  outputs?: StepOutputs;
}

export interface PhaseRecord {
  /** The phase definition's version when this record was written. */
  version: number;
  status: PhaseStatus;
  startedAt?: string;
  endedAt?: string;
  /** The command of the last run of this phase. */
  command?: string;
  /** The exact command that resumes it, when failed or interrupted. */
  resumeCommand?: string;
  /** Step records by step id. */
  steps: Record<string, StepRecord>;
}

export interface JournalData {
  schemaVersion: typeof JOURNAL_SCHEMA_VERSION;
  deployment: string;
  updatedAt: string;
  /** Phase records by phase name, in the order they were first run. */
  phases: Record<string, PhaseRecord>;
}

export function journalPath(stateDir: string): string {
  return join(stateDir, JOURNAL_FILE);
}

const STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'done', 'failed', 'skipped', 'interrupted'];
const PHASE_STATUSES: readonly PhaseStatus[] = ['running', 'succeeded', 'incomplete', 'failed', 'interrupted'];

function corrupt(file: string, why: string): UserError {
  return new UserError(`The journal ${file} cannot be used: ${why}.`, {
    nextSteps: [
      `Keep a copy of it, then move it aside (e.g. \`mv ${file} ${file}.bad\`) and re-run: every step re-probes the real system, so work already done is not repeated.`,
      'If this journal was written by a newer coder-platform, run that version instead.',
    ],
  });
}

/** Read the journal of a state directory; undefined when there is none yet. Throws UserError when unusable. */
export async function readJournal(stateDir: string): Promise<JournalData | undefined> {
  const file = journalPath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(
      `The journal ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      {
        nextSteps: ['Check the permissions of the state directory (--state-dir).'],
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `it is not valid JSON (${(error as Error).message})`);
  }
  return validateJournal(value, file);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateJournal(value: unknown, file: string): JournalData {
  if (!isObject(value)) throw corrupt(file, 'it is not a JSON object');
  if (value.schemaVersion !== JOURNAL_SCHEMA_VERSION) {
    throw corrupt(
      file,
      `its schemaVersion is ${JSON.stringify(value.schemaVersion)}, this coder-platform reads version ${JOURNAL_SCHEMA_VERSION}`,
    );
  }
  if (typeof value.deployment !== 'string' || !isObject(value.phases))
    throw corrupt(file, 'it lacks "deployment" or "phases"');
  for (const [name, phase] of Object.entries(value.phases)) {
    if (
      !isObject(phase) ||
      typeof phase.version !== 'number' ||
      !PHASE_STATUSES.includes(phase.status as PhaseStatus) ||
      !isObject(phase.steps)
    ) {
      throw corrupt(file, `phase "${name}" is malformed`);
    }
    for (const [id, step] of Object.entries(phase.steps)) {
      if (!isObject(step) || !STEP_STATUSES.includes(step.status as StepStatus) || typeof step.attempts !== 'number') {
        throw corrupt(file, `step "${name}/${id}" is malformed`);
      }
      if (step.outputs !== undefined) {
        try {
          checkOutputs(id, step.outputs);
        } catch {
          throw corrupt(file, `step "${name}/${id}" has outputs that are not scalars or string arrays`);
        }
      }
    }
  }
  return value as unknown as JournalData;
}

/** Outputs must be JSON scalars or arrays of strings (never secrets). Throws BugError otherwise: a step defect. */
export function checkOutputs(stepId: string, outputs: unknown): StepOutputs {
  if (!isObject(outputs)) throw new BugError(`Step "${stepId}" returned outputs that are not a plain object.`);
  const clean: StepOutputs = {};
  for (const [key, v] of Object.entries(outputs)) {
    if (v === undefined) continue; // dropped, as JSON would
    const ok =
      v === null ||
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (Array.isArray(v) && v.every((item) => typeof item === 'string'));
    if (!ok)
      throw new BugError(
        `Step "${stepId}" output "${key}" is not a JSON scalar or string array; outputs are journaled and must be plain, non-secret values.`,
      );
    clean[key] = Array.isArray(v) ? [...(v as string[])] : (v as string | number | boolean | null);
  }
  return clean;
}

/** Write a file atomically: temp file in the same directory, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, dir: string, text: string): Promise<void> {
  const temp = join(dir, `.${JOURNAL_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  let dirHandle;
  try {
    dirHandle = await open(dir, 'r');
    await dirHandle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await dirHandle?.close();
  }
}

/** Pushes a written journal to a shared store; resolves with what the store now holds (merged by phase). */
export type JournalMirror = (data: JournalData) => Promise<JournalData>;

/**
 * The in-memory journal of one run. Mutations are synchronous; `save()` snapshots the whole document and
 * queues an atomic write, so the file always reflects a consistent moment.
 */
export class Journal {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly stateDir: string,
    readonly data: JournalData,
    private readonly mirror?: JournalMirror,
  ) {}

  /** Load (or start) the journal of a deployment. Throws UserError for a corrupt or foreign journal. */
  static async open(stateDir: string, deployment: string, mirror?: JournalMirror): Promise<Journal> {
    await mkdir(stateDir, { recursive: true });
    // Temp files left by a run killed mid-write (the journal itself is intact); we hold the lock here.
    for (const name of await readdir(stateDir)) {
      if (name.startsWith(`.${JOURNAL_FILE}.`) && name.endsWith('.tmp'))
        await rm(join(stateDir, name), { force: true });
    }
    const existing = await readJournal(stateDir);
    if (existing !== undefined && existing.deployment !== deployment) {
      throw new UserError(
        `The state directory ${stateDir} belongs to deployment "${existing.deployment}", not "${deployment}".`,
        {
          nextSteps: ['Pass the --state-dir of this deployment, or check deployment.name in the configuration.'],
        },
      );
    }
    const data: JournalData = existing ?? {
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      deployment,
      updatedAt: new Date().toISOString(),
      phases: {},
    };
    return new Journal(stateDir, data, mirror);
  }

  get file(): string {
    return journalPath(this.stateDir);
  }

  phase(name: string): PhaseRecord | undefined {
    return this.data.phases[name];
  }

  /** Replace a phase's record (start of a run, --restart). */
  setPhase(name: string, record: PhaseRecord): PhaseRecord {
    this.data.phases[name] = record;
    return record;
  }

  /** Push a written snapshot to the shared store; adopt other writers' phase records it merged in. */
  private async pushToMirror(mirror: JournalMirror, snapshot: JournalData): Promise<void> {
    const written = await mirror(snapshot);
    if (written === snapshot || JSON.stringify(written.phases) === JSON.stringify(snapshot.phases)) return;
    for (const [name, rec] of Object.entries(written.phases)) {
      if (rec !== snapshot.phases[name]) this.data.phases[name] = rec;
    }
    await writeFileAtomic(this.file, this.stateDir, `${JSON.stringify(written, null, 2)}\n`);
  }

  /** Queue an atomic write of the current state; resolves when it (and every earlier write) is on disk. */
  save(): Promise<void> {
    this.data.updatedAt = new Date().toISOString();
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    const next = this.queue.then(async () => {
      await writeFileAtomic(this.file, this.stateDir, text);
      if (this.mirror !== undefined) await this.pushToMirror(this.mirror, JSON.parse(text) as JournalData);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
