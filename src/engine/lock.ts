/**
 * One lock per deployment (`<stateDir>/lock.json`: pid, host, start time, command), created with O_EXCL so
 * two runs can never both hold it. A second run is refused naming the holder. A lock is stale when its
 * pid is dead on this host, or it is older than `maxAgeMs` (default 12 h); a stale lock is reported and
 * broken only when the operator passes --break-lock.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { EventHost } from './host.js';

export const LOCK_FILE = 'lock.json';
export const DEFAULT_LOCK_MAX_AGE_MS = 12 * 60 * 60 * 1000;

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface AcquireLockOptions {
  stateDir: string;
  deployment: string;
  command: string;
  /** Break the lock if (and only if) it is stale. */
  breakLock?: boolean;
  host?: EventHost;
  /** A lock older than this is stale. @default 12 h */
  maxAgeMs?: number;
}

export interface HeldLock {
  info: LockInfo;
  /** Remove the lock if it is still ours. */
  release(): Promise<void>;
}

export function lockPath(stateDir: string): string {
  return join(stateDir, LOCK_FILE);
}

/** Remove the lock if this process holds it, synchronously: for an immediate exit (second Ctrl-C). */
export function releaseOwnLockSync(stateDir: string): void {
  try {
    const lock = JSON.parse(readFileSync(lockPath(stateDir), 'utf8')) as Partial<LockInfo>;
    if (lock.pid === process.pid && lock.host === hostname()) rmSync(lockPath(stateDir), { force: true });
  } catch {
    // no lock, or not readable: nothing of ours to remove
  }
}

/** Read the lock of a state directory: undefined when free, 'unreadable' when it exists but does not parse. */
export async function readLock(stateDir: string): Promise<LockInfo | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.startedAt === 'string') {
      return { pid: value.pid, host: value.host, startedAt: value.startedAt, command: String(value.command ?? '') };
    }
  } catch {
    // fall through: a lock file torn by a crash between create and write
  }
  return 'unreadable';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a lock is stale, or undefined when it may still be held by a live run. */
export function staleReason(
  lock: LockInfo | 'unreadable',
  maxAgeMs = DEFAULT_LOCK_MAX_AGE_MS,
  now = Date.now(),
): string | undefined {
  if (lock === 'unreadable') return 'the lock file is unreadable (a run crashed while creating it)';
  if (lock.host === hostname() && !pidAlive(lock.pid))
    return `process ${lock.pid} on this host (${lock.host}) is no longer running`;
  const started = Date.parse(lock.startedAt);
  if (Number.isNaN(started)) return `its start time "${lock.startedAt}" is not a date`;
  const age = now - started;
  if (age > maxAgeMs)
    return `it is ${(age / 3_600_000).toFixed(1)} h old (limit ${(maxAgeMs / 3_600_000).toFixed(1)} h)`;
  return undefined;
}

function describe(lock: LockInfo | 'unreadable'): string {
  return lock === 'unreadable'
    ? 'an unreadable lock'
    : `pid ${lock.pid} on ${lock.host} since ${lock.startedAt} (\`${lock.command}\`)`;
}

/** Take the deployment lock or throw a UserError naming the holder. */
export async function acquireLock(options: AcquireLockOptions): Promise<HeldLock> {
  await mkdir(options.stateDir, { recursive: true });
  const file = lockPath(options.stateDir);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command,
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        info,
        release: async () => {
          const current = await readLock(options.stateDir).catch(() => undefined);
          if (
            current !== undefined &&
            current !== 'unreadable' &&
            current.pid === info.pid &&
            current.startedAt === info.startedAt
          ) {
            await rm(file, { force: true });
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(options.stateDir);
    if (holder === undefined) continue; // released between our open and read: try again
    const stale = staleReason(holder, options.maxAgeMs);
    if (stale === undefined) {
      throw new UserError(`Deployment "${options.deployment}" is locked by another run: ${describe(holder)}.`, {
        nextSteps: [
          'Wait for that run to finish, or stop it (Ctrl-C lets it record its progress).',
          `If that run is gone, the lock becomes stale when its process has exited (same host) or after ${((options.maxAgeMs ?? DEFAULT_LOCK_MAX_AGE_MS) / 3_600_000).toFixed(0)} h; then re-run with --break-lock.`,
        ],
      });
    }
    if (options.breakLock !== true) {
      throw new UserError(`Deployment "${options.deployment}" has a stale lock: ${describe(holder)}; ${stale}.`, {
        nextSteps: [
          'Make sure no other coder-platform run is working on this deployment, then re-run with --break-lock.',
        ],
      });
    }
    await rm(file, { force: true });
    options.host?.emit({
      level: 'warn',
      code: 'ENGINE_LOCK_BROKEN',
      message: `Broke the stale lock of ${describe(holder)}: ${stale}.`,
      data: { lock: holder === 'unreadable' ? null : { ...holder }, reason: stale },
    });
  }
  throw new UserError(`Could not take the lock ${file}: another run keeps creating it.`, {
    nextSteps: ['Check which coder-platform runs are working on this deployment.'],
  });
}
