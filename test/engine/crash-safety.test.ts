/**
 * Crash safety: the fixture phase (a → b,c → d, b and c concurrent) is SIGKILLed at every step boundary
 * (as a step starts, after it is journaled done) and in the middle of every step (journaled running
 * before its effect; effect made but not journaled), then resumed. Each run is the resume of the last
 * one, so every kill point is reached once. After every kill the journal must parse; at the end every
 * step is done and no effect happened twice.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { crashFixture, projectRoot, runFixture, tempDir } from './helpers.js';

const STEPS = ['a', 'b', 'c', 'd'];
// Per step: journaled running, before the effect (mid-step); effect made, not journaled (mid-step);
// journaled done, before the next step starts (boundary). The first boundary is the empty journal.
const POINTS = [
  'ENGINE_PHASE_START:',
  ...STEPS.flatMap((id) => [`TEST_BEFORE_EFFECT:${id}`, `TEST_EFFECT:${id}`, `ENGINE_STEP_END:${id}`]),
];

describe('crash safety', () => {
  it('resumes after SIGKILL at every step boundary and mid-step without repeating an effect', async () => {
    const dir = tempDir('crash-');
    const effects = join(dir, 'effects');
    const stateDir = join(dir, 'state');
    const killed: string[] = [];
    for (const point of POINTS) {
      // A killed run leaves its lock behind: stale (dead pid on this host); the child passes breakLock.
      const run = await runFixture(
        [stateDir],
        { FX_EFFECTS: effects, FX_KILL_AT: point, FX_SLEEP_MS: '20' },
        undefined,
        crashFixture,
      );
      if (run.signal === 'SIGKILL') {
        killed.push(point);
        // The journal on disk is always the old or the new one: it parses (readJournal throws on a torn file).
        const journal = await readJournal(stateDir);
        if (journal !== undefined) expect(journal.phases.demo).toBeDefined();
      } else {
        expect(run.code, run.stderr).toBe(0); // the point had already passed in an earlier run
      }
    }
    // Most points must really have been hit, or this test proves nothing.
    expect(killed.length).toBeGreaterThanOrEqual(10);

    const final = await runFixture([stateDir], { FX_EFFECTS: effects, FX_SLEEP_MS: '20' }, undefined, crashFixture);
    expect(final.code, final.stderr).toBe(0);
    const journal = await readJournal(stateDir);
    for (const id of STEPS) expect(journal?.phases.demo?.steps[id]?.status).toBe('done');
    expect(journal?.phases.demo?.status).toBe('succeeded');

    const lines = readFileSync(effects, 'utf8').trim().split('\n');
    for (const id of STEPS) expect(lines.filter((l) => l === `effect:${id}`)).toHaveLength(1);
    // Dependency order held across all the resumes: an effect never precedes its dependency's.
    const at = (id: string): number => lines.indexOf(`effect:${id}`);
    expect(at('a')).toBeLessThan(at('b'));
    expect(at('a')).toBeLessThan(at('c'));
    expect(Math.max(at('b'), at('c'))).toBeLessThan(at('d'));
  });

  it('leaves the old or the new journal when killed in the middle of a write', async () => {
    const stateDir = tempDir('torn-');
    for (const delayMs of [5, 40, 120]) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(projectRoot, 'test/engine/fixtures/journal-writer.ts'), stateDir],
        { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const journal = await readJournal(stateDir); // throws on a torn file
      const steps = Object.values(journal?.phases.demo?.steps ?? {});
      expect(steps.length).toBeGreaterThan(0);
      expect(new Set(steps.map((s) => s.attempts)).size).toBe(1); // one consistent snapshot
    }
  });
});
