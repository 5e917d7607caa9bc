/**
 * The shared state of a deployment on a store (S3): the engine keeps working on a local copy of the state
 * directory (atomic journal writes, reports, generated files; `cdk.out` stays local) and mirrors it:
 *
 * - pull: before anything reads the journal, the store's journal and files replace the local copy;
 * - every journal write is pushed with `If-Match` on the last ETag we saw. On 412/409 the writer re-reads
 *   the store's journal, checks it still holds the lock, merges by phase (the lock holder owns the record
 *   of the phase it runs; every other phase comes from the store) and retries a bounded number of times —
 *   so two writers never silently overwrite each other and no phase record is lost;
 * - files (reports, generated files) are pushed after the run.
 *
 * A marker file (`state-backend.json`) records that the local directory is a copy of a store, so a local
 * state that was never migrated is not silently discarded by a pull: that needs `state migrate`.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { UserError } from '../errors.js';
import { JOURNAL_FILE, JOURNAL_SCHEMA_VERSION, readJournal, writeFileAtomic, type JournalData } from './journal.js';
import { LOCK_FILE } from './lock.js';
import { PreconditionError, type ObjectStore } from './object-store.js';
import { REMOTE_LOCK_KEY, type HeldRemoteLock } from './remote-lock.js';

export const MARKER_FILE = 'state-backend.json';
/**
 * Never mirrored: the synthesized assembly (large, regenerated), `state init`'s own local state, the local
 * lock, temp files, the marker.
 */
const LOCAL_ONLY = [
  /^cdk\.out(\/|$)/,
  /^bootstrap(\/|$)/,
  new RegExp(`^${LOCK_FILE.replace('.', '\\.')}$`),
  /\.tmp$/,
  new RegExp(`^${MARKER_FILE.replace('.', '\\.')}$`),
];
export const MAX_JOURNAL_RETRIES = 5;

function mirrored(key: string): boolean {
  return key !== JOURNAL_FILE && key !== REMOTE_LOCK_KEY && !LOCAL_ONLY.some((re) => re.test(key));
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (e.isDirectory()) {
        if (!LOCAL_ONLY.some((re) => re.test(`${rel}/`))) await walk(full);
      } else if (e.isFile()) out.push(rel);
    }
  };
  await walk(dir);
  return out.sort();
}

function parseJournal(body: string, location: string): JournalData {
  try {
    const data = JSON.parse(body) as JournalData;
    if (data.schemaVersion === JOURNAL_SCHEMA_VERSION && typeof data.phases === 'object') return data;
  } catch {
    // fall through
  }
  throw new UserError(`The journal ${location}${JOURNAL_FILE} is not a coder-platform journal this version can read.`, {
    nextSteps: ['Restore an earlier version of it from the bucket (versioning is on), or upgrade coder-platform.'],
  });
}

/** Does the local directory hold state that was never uploaded (a journal without our marker)? */
export async function hasUnmigratedLocalState(stateDir: string): Promise<boolean> {
  const marker = await stat(join(stateDir, MARKER_FILE)).catch(() => undefined);
  if (marker !== undefined) return false;
  return (await readJournal(stateDir)) !== undefined;
}

/** The store's journal and the ETag it was read with. */
export interface RemoteJournal {
  etag: string;
  data: JournalData;
}

/** Pull the store's journal and files into the local copy. Returns the journal read (undefined: none yet). */
export async function pullState(store: ObjectStore, stateDir: string): Promise<RemoteJournal | undefined> {
  if (await hasUnmigratedLocalState(stateDir)) {
    throw new UserError(
      `${stateDir} holds a local journal that is not in ${store.location} yet; the s3 backend would not see it.`,
      {
        nextSteps: [
          'Upload it once with `coder-platform state migrate` (it refuses if the bucket already holds a journal).',
        ],
      },
    );
  }
  await mkdir(stateDir, { recursive: true });
  const journal = await store.get(JOURNAL_FILE);
  let pulled: RemoteJournal | undefined;
  if (journal === undefined) await rm(join(stateDir, JOURNAL_FILE), { force: true });
  else {
    pulled = { etag: journal.etag, data: parseJournal(journal.body, store.location) };
    await writeFileAtomic(join(stateDir, JOURNAL_FILE), stateDir, journal.body);
  }
  for (const key of (await store.list()).filter(mirrored)) {
    const obj = await store.get(key);
    if (obj === undefined) continue;
    const file = join(stateDir, ...key.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, obj.body, { mode: 0o600 });
  }
  await writeFile(
    join(stateDir, MARKER_FILE),
    `${JSON.stringify({ backend: 's3', location: store.location }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return pulled;
}

/** Push every mirrored local file (reports, generated files) to the store. */
export async function pushFiles(store: ObjectStore, stateDir: string): Promise<number> {
  const files = (await filesUnder(stateDir)).filter(mirrored);
  for (const rel of files) await store.put(rel, await readFile(join(stateDir, ...rel.split('/')), 'utf8'));
  return files.length;
}

/** Merge by phase: `ours` owns the phases it lists in `owned`; every other phase comes from the store. */
export function mergeJournals(remote: JournalData, ours: JournalData, owned: readonly string[]): JournalData {
  const phases = { ...remote.phases };
  for (const name of owned) {
    const rec = ours.phases[name];
    if (rec !== undefined) phases[name] = rec;
  }
  return { ...remote, updatedAt: ours.updatedAt, phases };
}

/**
 * Pushes one run's journal writes. Writes are serialised by the Journal; each carries `If-Match` on the
 * ETag of the last version this writer saw (or `If-None-Match: *` when there was none).
 */
export class RemoteJournalWriter {
  private etag: string | undefined;
  /** The store's journal as of `etag`: the other phases' records come from here, never from our copy. */
  private base: JournalData | undefined;
  constructor(
    private readonly store: ObjectStore,
    /** The journal as pulled (undefined: the store had none). */
    initial: RemoteJournal | undefined,
    /** The phases this run owns (its lock covers). */
    private readonly owned: readonly string[],
    private readonly lock?: Pick<HeldRemoteLock, 'stillHeld'>,
  ) {
    this.etag = initial?.etag;
    this.base = initial?.data;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Push `data` (after this writer's earlier pushes); returns what was written (merged when the ETag moved). */
  push(data: JournalData): Promise<JournalData> {
    const next = this.queue.then(() => this.pushNow(data));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async pushNow(data: JournalData): Promise<JournalData> {
    for (let attempt = 0; attempt <= MAX_JOURNAL_RETRIES; attempt += 1) {
      const doc = this.base === undefined ? data : mergeJournals(this.base, data, this.owned);
      try {
        const body = `${JSON.stringify(doc, null, 2)}\n`;
        this.etag = await this.store.put(
          JOURNAL_FILE,
          body,
          this.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: this.etag },
        );
        this.base = doc;
        return doc;
      } catch (error) {
        if (!(error instanceof PreconditionError)) throw error;
      }
      if (this.lock !== undefined && !(await this.lock.stillHeld())) {
        throw new UserError(
          `Another run took over the lock of ${this.store.location} and changed its journal; this run stops writing.`,
          {
            nextSteps: ['Check `coder-platform status` for who holds the lock, then resume when it is free.'],
          },
        );
      }
      const current = await this.store.get(JOURNAL_FILE);
      this.etag = current?.etag;
      this.base = current === undefined ? undefined : parseJournal(current.body, this.store.location);
    }
    throw new UserError(
      `The journal ${this.store.location}${JOURNAL_FILE} kept changing under this run ` +
        `(${MAX_JOURNAL_RETRIES + 1} conditional writes failed).`,
      {
        nextSteps: ['Another writer is active on this deployment: check `coder-platform status`, then resume.'],
      },
    );
  }
}

/** Upload a local state directory to an empty store once; refuses when the store already holds a journal. */
export async function migrateLocalState(
  store: ObjectStore,
  stateDir: string,
): Promise<{ journal: boolean; files: number }> {
  const local = await readJournal(stateDir);
  if (local === undefined) {
    throw new UserError(`${stateDir} holds no journal: there is nothing to migrate.`, {
      nextSteps: ['Check --state-dir, or just run with the s3 backend: it starts with an empty state.'],
    });
  }
  try {
    await store.put(JOURNAL_FILE, `${JSON.stringify(local, null, 2)}\n`, { ifNoneMatch: '*' });
  } catch (error) {
    if (error instanceof PreconditionError && error.status === 412) {
      throw new UserError(`${store.location} already holds a journal; migrating would overwrite shared state.`, {
        nextSteps: [
          'Nothing was uploaded. Use the state in the bucket (run with the s3 backend), or choose another ' +
            '--state-prefix.',
        ],
      });
    }
    throw error;
  }
  const files = await pushFiles(store, stateDir);
  await writeFile(
    join(stateDir, MARKER_FILE),
    `${JSON.stringify({ backend: 's3', location: store.location }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return { journal: true, files };
}
