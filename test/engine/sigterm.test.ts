/**
 * SIGTERM (what CI runners, systemd and `kill` send) must behave exactly like SIGINT: the same real phase
 * command (fixtures/demo-phase.ts) is stopped once by each at the same point, and the exit code, the journal
 * (every step's status and attempts, the phase status) and the lock must come out the same.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { runFixture, tempDir } from './helpers.js';

async function stopWith(signal: 'SIGINT' | 'SIGTERM') {
  const dir = tempDir(`${signal.toLowerCase()}-`);
  const stateDir = join(dir, 's');
  const effects = join(dir, 'e');
  let sent = false;
  const run = await runFixture(['--state-dir', stateDir], { FX_EFFECTS: effects, FX_HANG: 'b' }, (err, child) => {
    if (!sent && err.includes('[b] b: working')) {
      sent = true;
      child.kill(signal);
    }
  });
  const journal = await readJournal(stateDir);
  const phase = journal?.phases.demo;
  return {
    code: run.code,
    killedBy: run.signal,
    stderr: run.stderr,
    phaseStatus: phase?.status,
    steps: Object.fromEntries(
      Object.entries(phase?.steps ?? {}).map(([id, s]) => [id, { status: s.status, attempts: s.attempts }]),
    ),
    resumeCommand: phase?.resumeCommand?.replace(stateDir, '<state>'),
    lockLeft: existsSync(join(stateDir, 'lock.json')),
    cleanedUp: existsSync(effects) && readFileSync(effects, 'utf8').includes('cleanup:b'),
  };
}

describe('SIGTERM', () => {
  it('stops a phase exactly as SIGINT does: exit 130, same journal, cleanup run, lock released', async () => {
    const [int, term] = await Promise.all([stopWith('SIGINT'), stopWith('SIGTERM')]);
    expect(term.killedBy, term.stderr).toBeNull(); // handled, not killed by the default action
    expect(term.code, term.stderr).toBe(130);
    expect(term.stderr).toContain('SIGTERM: stopping after the running steps');
    expect(term.stderr).toMatch(/demo was interrupted/);
    expect(term.steps.b).toEqual({ status: 'interrupted', attempts: 1 });
    expect(term.steps.d).toEqual({ status: 'pending', attempts: 0 });
    const { stderr: a, ...intState } = int;
    const { stderr: b, ...termState } = term;
    expect(termState, `${a}\n---\n${b}`).toEqual(intState);
    expect(term).toMatchObject({ phaseStatus: 'interrupted', lockLeft: false, cleanedUp: true });
  });
});
