/**
 * The deployment lock on a shared store (S3): `lock.json` created with a conditional write
 * (`If-None-Match: *`), so of two runs racing exactly one creates it; the other is refused naming the
 * holder. The lock says who holds it (user or CI job, host, pid, command, start, expiry). The holder
 * extends the expiry while it runs (heartbeat, `If-Match` on its own ETag) and releases it with a
 * conditional delete (`If-Match`), so it never removes a lock someone else took over.
 *
 * Stale: past its expiry, or its holder is a process on this host that no longer runs. A stale lock is
 * reported with its owner and broken only with --break-lock, by a conditional delete on the stale lock's
 * ETag (so a holder that just renewed it is not broken).
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { UserError } from '../errors.js';
import type { EventHost } from './host.js';
import { PreconditionError, type ObjectStore } from './object-store.js';

export const REMOTE_LOCK_KEY = 'lock.json';
/** A lock not renewed for this long is stale. */
export const DEFAULT_REMOTE_LOCK_TTL_MS = 15 * 60 * 1000;

export interface RemoteLockInfo {
  /** Random id of this holding (two runs of one pid never share it). */
  id: string;
  deployment: string;
  user: string;
  /** The CI job, when run by one: e.g. `github-actions owner/repo run 123 (attempt 1)`. */
  ciJob?: string;
  host: string;
  pid: number;
  command: string;
  startedAt: string;
  expiresAt: string;
}

export interface RemoteLockOptions {
  store: ObjectStore;
  deployment: string;
  command: string;
  breakLock?: boolean;
  host?: EventHost;
  /** @default 15 min */
  ttlMs?: number;
  /** Clock, for expiry. @default Date.now */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Is this pid alive on this host? @default process.kill(pid, 0) */
  pidAlive?: (pid: number) => boolean;
}

export interface HeldRemoteLock {
  readonly info: RemoteLockInfo;
  /** Is the lock object still ours (its body carries our id)? */
  stillHeld(): Promise<boolean>;
  /** Extend the expiry (If-Match on our ETag). Throws UserError when the lock was taken over. */
  renew(): Promise<void>;
  /** Conditional delete of our lock; a lock taken over by someone else is left alone (and reported). */
  release(): Promise<void>;
}

/** The CI job running us, from the variables the common CI systems set. */
export function ciJobFrom(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_RUN_ID) {
    return (
      `github-actions ${env.GITHUB_REPOSITORY ?? '?'} run ${env.GITHUB_RUN_ID} (attempt ` +
      `${env.GITHUB_RUN_ATTEMPT ?? '1'}) job ${env.GITHUB_JOB ?? '?'}`
    );
  }
  if (env.CI_JOB_ID)
    return `gitlab-ci ${env.CI_PROJECT_PATH ?? '?'} job ${env.CI_JOB_ID}${env.CI_JOB_URL ? ` ${env.CI_JOB_URL}` : ''}`;
  if (env.CODEBUILD_BUILD_ID) return `codebuild ${env.CODEBUILD_BUILD_ID}`;
  if (env.BUILDKITE_JOB_ID) return `buildkite ${env.BUILDKITE_PIPELINE_SLUG ?? '?'} job ${env.BUILDKITE_JOB_ID}`;
  if (env.CIRCLE_WORKFLOW_JOB_ID)
    return `circleci ${env.CIRCLE_PROJECT_REPONAME ?? '?'} job ${env.CIRCLE_WORKFLOW_JOB_ID}`;
  if (env.CI === 'true' || env.CI === '1') return 'ci (unknown system)';
  return undefined;
}

function currentUser(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTOR) return env.GITHUB_ACTOR;
  if (env.GITLAB_USER_LOGIN) return env.GITLAB_USER_LOGIN;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

function defaultPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parse a lock body; 'unreadable' when it is not a lock we wrote. */
export function parseRemoteLock(body: string): RemoteLockInfo | 'unreadable' {
  try {
    const v = JSON.parse(body) as Partial<RemoteLockInfo>;
    if (
      typeof v.id === 'string' &&
      typeof v.host === 'string' &&
      typeof v.pid === 'number' &&
      typeof v.expiresAt === 'string'
    ) {
      return v as RemoteLockInfo;
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** Why a lock is stale, or undefined while its holder may be running. */
export function remoteStaleReason(
  lock: RemoteLockInfo | 'unreadable',
  now: number,
  pidAlive: (pid: number) => boolean,
): string | undefined {
  if (lock === 'unreadable') return 'the lock object is not a coder-platform lock';
  if (lock.host === hostname() && !pidAlive(lock.pid))
    return `process ${lock.pid} on this host (${lock.host}) is no longer running`;
  const expires = Date.parse(lock.expiresAt);
  if (Number.isNaN(expires)) return `its expiry "${lock.expiresAt}" is not a date`;
  if (expires < now) return `it expired at ${lock.expiresAt} (its holder stopped renewing it)`;
  return undefined;
}

/** One line naming a lock's holder. */
export function describeRemoteLock(lock: RemoteLockInfo | 'unreadable'): string {
  if (lock === 'unreadable') return 'an unreadable lock';
  const who = lock.ciJob === undefined ? `user ${lock.user}` : `${lock.ciJob} (user ${lock.user})`;
  return (
    `${who} on host ${lock.host}, pid ${lock.pid}, running \`${lock.command}\` since ${lock.startedAt}, ` +
    `lock expires ${lock.expiresAt}`
  );
}

/** Take the deployment's lock on the store, or throw a UserError naming the holder. */
export async function acquireRemoteLock(o: RemoteLockOptions): Promise<HeldRemoteLock> {
  const now = o.now ?? Date.now;
  const ttl = o.ttlMs ?? DEFAULT_REMOTE_LOCK_TTL_MS;
  const env = o.env ?? process.env;
  const ciJob = ciJobFrom(env);
  const start = now();
  const info: RemoteLockInfo = {
    id: randomBytes(8).toString('hex'),
    deployment: o.deployment,
    user: currentUser(env),
    ...(ciJob === undefined ? {} : { ciJob }),
    host: hostname(),
    pid: process.pid,
    command: o.command,
    startedAt: new Date(start).toISOString(),
    expiresAt: new Date(start + ttl).toISOString(),
  };
  const where = `${o.store.location}${REMOTE_LOCK_KEY}`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const etag = await o.store.put(REMOTE_LOCK_KEY, `${JSON.stringify(info, null, 2)}\n`, { ifNoneMatch: '*' });
      return heldLock(o.store, info, etag, ttl, now);
    } catch (error) {
      if (!(error instanceof PreconditionError)) throw error;
      if (error.status === 409) continue; // a conditional write was in flight: S3 says retry
    }
    const current = await o.store.get(REMOTE_LOCK_KEY);
    if (current === undefined) continue; // released between our write and read
    const holder = parseRemoteLock(current.body);
    const stale = remoteStaleReason(holder, now(), o.pidAlive ?? defaultPidAlive);
    if (stale === undefined) {
      throw new UserError(`Deployment "${o.deployment}" is locked by another run: ${describeRemoteLock(holder)}.`, {
        nextSteps: [
          `The lock is ${where}. Wait for that run to finish, or stop it (Ctrl-C lets it record its progress ` +
            `and release the lock).`,
          'If that run is gone, its lock becomes stale when it expires (it is renewed while the run lives); ' +
            'then re-run with --break-lock.',
        ],
      });
    }
    if (o.breakLock !== true) {
      throw new UserError(`Deployment "${o.deployment}" has a stale lock: ${describeRemoteLock(holder)}; ${stale}.`, {
        nextSteps: [
          `Make sure no other coder-platform run works on this deployment, then re-run with --break-lock (it ` +
            `deletes ${where} only if it is still this lock).`,
        ],
      });
    }
    try {
      await o.store.delete(REMOTE_LOCK_KEY, { ifMatch: current.etag });
    } catch (error) {
      if (!(error instanceof PreconditionError)) throw error;
      continue; // the lock changed (renewed or replaced) since we read it: look again
    }
    o.host?.emit({
      level: 'warn',
      code: 'ENGINE_LOCK_BROKEN',
      message: `Broke the stale lock of ${describeRemoteLock(holder)}: ${stale}.`,
      data: { lock: holder === 'unreadable' ? null : { ...holder }, reason: stale, location: where },
    });
  }
  throw new UserError(`Could not take the lock ${where}: other runs keep creating or changing it.`, {
    nextSteps: ['Check which coder-platform runs (laptops and CI jobs) work on this deployment.'],
  });
}

function heldLock(
  store: ObjectStore,
  info: RemoteLockInfo,
  firstEtag: string,
  ttl: number,
  now: () => number,
): HeldRemoteLock {
  let etag = firstEtag;
  const lost = (): UserError =>
    new UserError(
      `The lock of deployment "${info.deployment}" (${store.location}${REMOTE_LOCK_KEY}) was taken over by ` +
        `another run (it was broken with --break-lock).`,
      {
        nextSteps: [
          'Nothing more is written by this run. Check who holds the lock now (`coder-platform status`) before ' +
            'running again.',
        ],
      },
    );
  return {
    info,
    stillHeld: async () => {
      const current = await store.get(REMOTE_LOCK_KEY);
      if (current === undefined) return false;
      const parsed = parseRemoteLock(current.body);
      return parsed !== 'unreadable' && parsed.id === info.id;
    },
    renew: async () => {
      const next = { ...info, expiresAt: new Date(now() + ttl).toISOString() };
      try {
        etag = await store.put(REMOTE_LOCK_KEY, `${JSON.stringify(next, null, 2)}\n`, { ifMatch: etag });
        info.expiresAt = next.expiresAt;
      } catch (error) {
        if (error instanceof PreconditionError && error.status === 412) throw lost();
        throw error;
      }
    },
    release: async () => {
      try {
        await store.delete(REMOTE_LOCK_KEY, { ifMatch: etag });
      } catch (error) {
        if (error instanceof PreconditionError) return; // not ours any more: leave it to its holder
        throw error;
      }
    },
  };
}
