/** The deployment lock: a live holder refuses, a stale one is reported and broken only with breakLock. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { acquireLock } from '../../src/engine/lock.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import { tempDir } from './helpers.js';

function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  );
}

describe('deployment lock', () => {
  const ran: string[] = [];
  const phase: Phase = {
    name: 'demo',
    version: 1,
    steps: [{ id: 'a', title: 'A', run: async () => void ran.push('a') }],
  };
  const run = (stateDir: string, breakLock = false, host = new RecordingHost()) =>
    runPhase(phase, undefined, { deployment: 'demo', stateDir, command: 'coder-platform demo', host, breakLock });

  it('breaks a lock whose process died on this host only with breakLock', async () => {
    const stateDir = tempDir();
    const pid = deadPid();
    writeFileSync(
      join(stateDir, 'lock.json'),
      JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), command: 'coder-platform demo' }),
    );
    await expect(run(stateDir)).rejects.toThrow(`stale lock: pid ${pid} on ${hostname()}`);
    expect(ran).toEqual([]);
    const host = new RecordingHost();
    expect((await run(stateDir, true, host)).status).toBe('succeeded');
    expect(ran).toEqual(['a']);
    expect(host.events.find((e) => e.code === 'ENGINE_LOCK_BROKEN')?.message).toContain(`process ${pid} on this host`);
    expect(existsSync(join(stateDir, 'lock.json'))).toBe(false);
  });

  it('treats a lock older than 12 h as stale, a recent one from another host as held', async () => {
    const stateDir = tempDir();
    const lock = {
      pid: 1,
      host: 'build-agent-7',
      startedAt: new Date(Date.now() - 13 * 3600_000).toISOString(),
      command: 'coder-platform demo',
    };
    writeFileSync(join(stateDir, 'lock.json'), JSON.stringify(lock));
    await expect(run(stateDir)).rejects.toThrow(/stale lock: pid 1 on build-agent-7 .*13\.0 h old/);
    expect((await run(stateDir, true)).status).toBe('succeeded');

    writeFileSync(join(stateDir, 'lock.json'), JSON.stringify({ ...lock, startedAt: new Date().toISOString() }));
    const error = (await run(stateDir, true).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('locked by another run: pid 1 on build-agent-7');
    expect(JSON.parse(readFileSync(join(stateDir, 'lock.json'), 'utf8')).host).toBe('build-agent-7'); // untouched
  });

  it('refuses while this process holds the lock and releases it afterwards', async () => {
    const stateDir = tempDir();
    mkdirSync(stateDir, { recursive: true });
    const held = await acquireLock({ stateDir, deployment: 'demo', command: 'coder-platform demo --restart' });
    const error = (await run(stateDir, true).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect(error.message).toContain('`coder-platform demo --restart`');
    await held.release();
    expect(existsSync(join(stateDir, 'lock.json'))).toBe(false);
    expect((await run(stateDir)).status).toBe('succeeded');
  });
});
