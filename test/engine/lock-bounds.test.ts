/**
 * The lock's staleness bounds, checked at their edges: a lock is stale only after 12 hours (not minutes), and
 * a lock from another host is never judged by a local pid check (its pid means nothing here).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acquireLock, DEFAULT_LOCK_MAX_AGE_MS, staleReason, type LockInfo } from '../../src/engine/lock.js';
import { tempDir } from './helpers.js';

const HOUR = 3_600_000;
const RUNS = 2_000;

function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  );
}

function lockFile(stateDir: string, lock: LockInfo): void {
  writeFileSync(join(stateDir, 'lock.json'), JSON.stringify(lock));
}

const take = (stateDir: string, breakLock: boolean) =>
  acquireLock({ stateDir, deployment: 'demo', command: 'coder-platform demo', breakLock });

describe('lock staleness bounds', () => {
  it('the default limit is 12 hours', () => {
    expect(DEFAULT_LOCK_MAX_AGE_MS).toBe(12 * HOUR);
  });

  it('a lock from another host is held at 11 h 59 min and stale at 12 h 1 min, even with --break-lock', async () => {
    const stateDir = tempDir('lock-');
    const lock = {
      pid: 4242,
      host: 'build-agent-7',
      startedAt: new Date(Date.now() - 12 * HOUR + 60_000).toISOString(),
      command: 'coder-platform day1',
    };
    lockFile(stateDir, lock);
    await expect(take(stateDir, true)).rejects.toThrow('locked by another run: pid 4242 on build-agent-7');
    expect(JSON.parse(readFileSync(join(stateDir, 'lock.json'), 'utf8'))).toEqual(lock); // untouched

    lockFile(stateDir, { ...lock, startedAt: new Date(Date.now() - 12 * HOUR - 60_000).toISOString() });
    await expect(take(stateDir, false)).rejects.toThrow(
      /stale lock: pid 4242 on build-agent-7 .*12\.0 h old \(limit 12\.0 h\)/,
    );
    const held = await take(stateDir, true);
    expect(held.info.host).toBe(hostname());
    await held.release();
  });

  it('a recent lock from another host whose pid is dead here is still held (the pid is on the other host)', async () => {
    const stateDir = tempDir('lock-');
    const pid = deadPid();
    const lock = {
      pid,
      host: `${hostname()}-other`,
      startedAt: new Date(Date.now() - HOUR).toISOString(),
      command: 'coder-platform day0 deploy',
    };
    lockFile(stateDir, lock);
    expect(staleReason(lock)).toBeUndefined();
    await expect(take(stateDir, true)).rejects.toThrow(`locked by another run: pid ${pid} on ${hostname()}-other`);
    // The same lock on this host is stale at once: its process is gone.
    expect(staleReason({ ...lock, host: hostname() })).toBe(
      `process ${pid} on this host (${hostname()}) is no longer running`,
    );
  });

  it(`for another host, stale exactly when older than the limit, for any age and limit (${RUNS} runs)`, () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 72 * 60 }),
        fc.integer({ min: 1, max: 48 * 60 }),
        fc.nat(),
        (ageMin, limitMin, pid) => {
          const lock = {
            pid,
            host: 'elsewhere.invalid',
            startedAt: new Date(now - ageMin * 60_000).toISOString(),
            command: 'x',
          };
          expect(staleReason(lock, limitMin * 60_000, now) !== undefined).toBe(ageMin > limitMin);
          expect(staleReason(lock, undefined, now) !== undefined).toBe(ageMin > 12 * 60);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
