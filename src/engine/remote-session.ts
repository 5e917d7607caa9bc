/**
 * One run of a phase against a shared store: take the store's lock, pull the state, mirror every journal
 * write, renew the lock while the run lives, push the files and release the lock at the end.
 */
import type { EventHost } from './host.js';
import type { JournalMirror } from './journal.js';
import type { ObjectStore } from './object-store.js';
import { acquireRemoteLock, DEFAULT_REMOTE_LOCK_TTL_MS, type HeldRemoteLock } from './remote-lock.js';
import { pullState, pushFiles, RemoteJournalWriter, type RemoteJournal } from './remote-state.js';

export interface RemoteSessionOptions {
  store: ObjectStore;
  stateDir: string;
  deployment: string;
  command: string;
  /** The phase this run owns in the journal. */
  phase: string;
  breakLock?: boolean;
  host: EventHost;
  /** Lock expiry; renewed every third of it. @default 15 min */
  ttlMs?: number;
}

export interface RemoteSession {
  readonly lock: HeldRemoteLock;
  /** Hand to Journal.open: pushes every journal write. */
  readonly mirror: JournalMirror;
  /** Push the files, stop renewing and release the lock (also after a failure). */
  finish(): Promise<void>;
}

export async function startRemoteSession(o: RemoteSessionOptions): Promise<RemoteSession> {
  const ttlMs = o.ttlMs ?? DEFAULT_REMOTE_LOCK_TTL_MS;
  const lock = await acquireRemoteLock({
    store: o.store,
    deployment: o.deployment,
    command: o.command,
    breakLock: o.breakLock === true,
    host: o.host,
    ttlMs,
  });
  let pulled: RemoteJournal | undefined;
  try {
    pulled = await pullState(o.store, o.stateDir);
  } catch (error) {
    await lock.release();
    throw error;
  }
  let lost: unknown;
  const timer = setInterval(
    () => {
      lock.renew().catch((error: unknown) => {
        lost ??= error;
        o.host.emit({
          level: 'error',
          code: 'ENGINE_LOCK_LOST',
          message:
            `Could not renew the lock on ${o.store.location}: ` +
            `${error instanceof Error ? error.message : String(error)}`,
        });
      });
    },
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  const writer = new RemoteJournalWriter(o.store, pulled, [o.phase], lock);
  o.host.emit({
    level: 'debug',
    code: 'ENGINE_REMOTE_STATE',
    message: `State in ${o.store.location} (locked by this run until ${lock.info.expiresAt}, renewed while it runs).`,
  });
  return {
    lock,
    mirror: async (data) => {
      if (lost !== undefined) throw lost;
      return writer.push(data);
    },
    finish: async () => {
      clearInterval(timer);
      try {
        if (lost === undefined) await pushFiles(o.store, o.stateDir);
      } finally {
        await lock.release();
      }
    },
  };
}
