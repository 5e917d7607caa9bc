/** The engine in-process: ordering, concurrency, resume rules, cleanup, outputs, journal problems, dry run. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { readJournal } from '../../src/engine/journal.js';
import { executePhase } from '../../src/engine/execute.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { commandWithFlags, phaseFlagValues } from '../../src/phase-flags.js';
import type { Phase, RunPhaseOptions, Step, StepOutputs } from '../../src/engine/types.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A world whose "resources" are names in a set; steps create them, probes look for them. */
function world() {
  const made = new Set<string>();
  const runs: string[] = [];
  const spans: Record<string, { start: number; end: number }> = {};
  let active = 0;
  let maxActive = 0;
  const step = (id: string, extra: Partial<Step<unknown>> = {}, ms = 30): Step<unknown> => ({
    id,
    title: `make ${id}`,
    isDone: async () => (made.has(id) ? { name: id } : undefined),
    run: async (ctx) => {
      runs.push(id);
      active += 1;
      maxActive = Math.max(maxActive, active);
      spans[id] = { start: Date.now(), end: 0 };
      await sleep(ms);
      made.add(id);
      active -= 1;
      (spans[id] as { end: number }).end = Date.now();
      return { name: id, upstream: Object.keys(ctx.outputs).sort() };
    },
    ...extra,
  });
  return { made, runs, spans, step, maxActive: () => maxActive };
}

function opts(stateDir: string, extra: Partial<RunPhaseOptions> = {}): RunPhaseOptions & { host: RecordingHost } {
  return {
    deployment: 'demo',
    stateDir,
    command: 'coder-platform demo',
    host: new RecordingHost(),
    ...extra,
  } as RunPhaseOptions & { host: RecordingHost };
}

describe('runPhase', () => {
  it('runs independent steps concurrently up to the limit and never starts a step before its dependencies', async () => {
    const w = world();
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [
        w.step('net'),
        w.step('db', { dependsOn: ['net'] }),
        w.step('eks', { dependsOn: ['net'] }),
        w.step('logs', { dependsOn: ['net'] }),
        w.step('app', { dependsOn: ['db', 'eks', 'logs'] }),
      ],
    };
    const result = await runPhase(phase, undefined, opts(tempDir(), { concurrency: 2 }));
    expect(result.status).toBe('succeeded');
    const s = w.spans as Record<string, { start: number; end: number }>;
    for (const id of ['db', 'eks', 'logs']) expect(s[id]?.start).toBeGreaterThanOrEqual(s.net?.end ?? Infinity);
    for (const id of ['db', 'eks', 'logs']) expect(s.app?.start).toBeGreaterThanOrEqual(s[id]?.end ?? Infinity);
    // db and eks overlapped in time; the limit of 2 was never exceeded.
    expect(Math.max(s.db!.start, s.eks!.start)).toBeLessThan(Math.min(s.db!.end, s.eks!.end));
    expect(w.maxActive()).toBe(2);
    // Later steps see earlier outputs.
    expect(result.outputs.app?.upstream).toEqual(['db', 'eks', 'logs', 'net']);
  });

  it('fails the phase on a step error, runs cleanups of started steps, and resumes from the failed step', async () => {
    const w = world();
    const dir = tempDir();
    const cleaned: string[] = [];
    let failing = true;
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [
        w.step('tmpdb', { cleanup: async () => void cleaned.push('tmpdb') }),
        w.step('check', {
          dependsOn: ['tmpdb'],
          run: async () => {
            if (failing)
              throw new UserError('validation query failed\nsecond line', { nextSteps: ['Look at the database.'] });
            return { ok: true };
          },
        }),
        w.step('report', { dependsOn: ['check'] }),
      ],
    };
    const first = await runPhase(phase, undefined, opts(dir, { resumeCommand: 'coder-platform demo --config x.yaml' }));
    expect(first.status).toBe('failed');
    expect(first.resumeCommand).toBe('coder-platform demo --config x.yaml');
    expect(first.failure).toEqual({
      stepId: 'check',
      title: 'make check',
      error: 'validation query failed',
      nextSteps: ['Look at the database.'],
    });
    expect(cleaned).toEqual(['tmpdb']);
    const journal = await readJournal(dir);
    const steps = journal?.phases.demo?.steps;
    expect(steps?.check).toMatchObject({ status: 'failed', attempts: 1, error: 'validation query failed' });
    // Its effect was undone by cleanup, so it is pending again; report never started but is recorded as
    // pending with its title, in the phase's order, so status shows what is still to come.
    expect(steps?.tmpdb?.status).toBe('pending');
    expect(steps?.report).toMatchObject({ status: 'pending', attempts: 0, title: expect.any(String) });
    expect(Object.keys(steps ?? {})).toEqual(phase.steps.map((s) => s.id));
    expect(journal?.phases.demo?.status).toBe('failed');

    failing = false;
    w.made.delete('tmpdb'); // the cleanup really removed it
    const second = await runPhase(phase, undefined, opts(dir));
    expect(second.status).toBe('succeeded');
    expect(w.runs).toEqual(['tmpdb', 'tmpdb', 'report']); // check's custom run is not in w.runs
    expect(second.steps.find((s) => s.id === 'check')?.attempts).toBe(2);
  });

  it('skips done steps on re-run, re-probes them with verify, and redoes with --from/--only/--restart', async () => {
    const w = world();
    const dir = tempDir();
    const noProbe = w.step('n');
    delete noProbe.isDone;
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [w.step('a'), w.step('b', { dependsOn: ['a'] }), w.step('c', { dependsOn: ['b'] }), noProbe],
    };
    await runPhase(phase, undefined, opts(dir, { concurrency: 1 }));
    expect(w.runs).toEqual(['a', 'b', 'c', 'n']);
    w.runs.pop();

    await runPhase(phase, undefined, opts(dir));
    expect(w.runs).toEqual(['a', 'b', 'c']); // nothing re-ran

    w.made.delete('b'); // drift: b's effect disappeared behind the journal's back
    const verify = opts(dir, { verify: true });
    await runPhase(phase, undefined, verify);
    expect(w.runs).toEqual(['a', 'b', 'c', 'b']); // n has no probe: --verify leaves it done
    expect(verify.host.events.some((e) => e.code === 'ENGINE_VERIFY_REDO' && e.stepId === 'b')).toBe(true);

    await runPhase(phase, undefined, opts(dir, { from: 'b' })); // b and every later declared step
    expect(w.runs.slice(4).sort()).toEqual(['b', 'c', 'n']);
    await runPhase(phase, undefined, opts(dir, { only: 'a' }));
    expect(w.runs.slice(7)).toEqual(['a']);
    await runPhase(phase, undefined, opts(dir, { restart: true }));
    expect(w.runs.slice(8)).toEqual(['n']); // restart forgets the journal; probes find a, b, c done, n has none

    await expect(runPhase(phase, undefined, opts(dir, { from: 'zzz' }))).rejects.toThrow(/no step "zzz"/);
    await expect(runPhase(phase, undefined, opts(dir, { from: 'a', only: 'b' }))).rejects.toThrow(/cannot be combined/);
  });

  it('re-runs a step found running or interrupted unless its probe finds the effect', async () => {
    const w = world();
    const dir = tempDir();
    const phase: Phase = { name: 'demo', version: 1, steps: [w.step('a'), w.step('b')] };
    writeFileSync(
      join(dir, 'journal.json'),
      JSON.stringify({
        schemaVersion: 1,
        deployment: 'demo',
        updatedAt: '',
        phases: {
          demo: {
            version: 1,
            status: 'running',
            steps: { a: { status: 'running', attempts: 1 }, b: { status: 'interrupted', attempts: 2 } },
          },
        },
      }),
    );
    w.made.add('a'); // a's effect happened just before the crash
    const result = await runPhase(phase, undefined, opts(dir));
    expect(w.runs).toEqual(['b']);
    expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['a', 'done', 1],
      ['b', 'done', 3],
    ]);
  });

  it('reports a corrupt or unknown-version journal and leaves it untouched', async () => {
    const w = world();
    const phase: Phase = { name: 'demo', version: 1, steps: [w.step('a')] };
    for (const text of [
      '{"schemaVersion": 1, "deployment": "demo", "phas',
      JSON.stringify({ schemaVersion: 99, deployment: 'demo', phases: {} }),
    ]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'journal.json'), text);
      const error = await runPhase(phase, undefined, opts(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/journal .*journal\.json cannot be used/);
      expect((error as UserError).nextSteps.join(' ')).toMatch(/move it aside/);
      expect(readFileSync(join(dir, 'journal.json'), 'utf8')).toBe(text);
      expect(w.runs).toEqual([]);
      expect(existsSync(join(dir, 'lock.json'))).toBe(false); // lock released
    }
  });

  it('refuses outputs that are not plain scalars and records the step failed', async () => {
    const dir = tempDir();
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [{ id: 'a', title: 'A', run: async () => ({ nested: { password: 'x' } }) as unknown as StepOutputs }],
    };
    const result = await runPhase(phase, undefined, opts(dir));
    expect(result.status).toBe('failed');
    expect(result.failure?.error).toMatch(/output "nested" is not a JSON scalar/);
    expect(readFileSync(join(dir, 'journal.json'), 'utf8')).not.toContain('password');
  });

  it('plans with --dry-run: run / wait / skip with dependencies, nothing run or written', async () => {
    const w = world();
    const dir = tempDir();
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [w.step('a'), w.step('b', { dependsOn: ['a'] }), w.step('lic', { enabled: false })],
    };
    const o = opts(dir, { dryRun: true });
    const result = await runPhase(phase, undefined, o);
    expect(result.status).toBe('planned');
    expect(result.steps.map((s) => [s.id, s.plan])).toEqual([
      ['a', 'run'],
      ['b', 'wait'],
      ['lic', 'skip'],
    ]);
    const plan = o.host.events.find((e) => e.code === 'ENGINE_PLAN');
    expect((plan?.data?.steps as { id: string; reason: string }[])[1]?.reason).toMatch(/after a/);
    expect(w.runs).toEqual([]);
    expect(existsSync(join(dir, 'journal.json'))).toBe(false);
  });

  it('refuses a phase whose step list changed version, pointing at --restart', async () => {
    const w = world();
    const dir = tempDir();
    await runPhase({ name: 'demo', version: 1, steps: [w.step('a')] }, undefined, opts(dir));
    await expect(runPhase({ name: 'demo', version: 2, steps: [w.step('a')] }, undefined, opts(dir))).rejects.toThrow(
      /version 1.*version 2/,
    );
    const r = await runPhase(
      { name: 'demo', version: 2, steps: [w.step('a')] },
      undefined,
      opts(dir, { restart: true }),
    );
    expect(r.status).toBe('succeeded');
  });
});

describe('executePhase', () => {
  it("names the step, the cause and a resume command that repeats the command's own flags, quoted", async () => {
    const dir = tempDir();
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [
        {
          id: 'apply',
          title: 'Apply users',
          run: async () => {
            throw new UserError('users.yaml names no owner');
          },
        },
      ],
    };
    const host = Object.assign(new RecordingHost(), { close: async () => undefined });
    const globals = {
      configPath: 'c.yaml',
      awsProfile: undefined,
      region: undefined,
      nonInteractive: true,
      yes: false,
      json: false,
      verbose: false,
      stateDir: dir,
    };
    const command = commandWithFlags('coder-platform day1', {
      'users-file': "/srv/team's users.yaml",
      prune: true,
      'request-increases': false,
      buffer: undefined,
    });
    const error = await executePhase(phase, undefined, {
      deployment: 'demo',
      command,
      globals,
      flags: phaseFlagValues({}),
      host,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: 1,
      message: 'demo failed at step "Apply users" (apply): users.yaml names no owner',
    });
    expect((error as UserError).nextSteps.at(-1)).toBe(
      `Fix the cause, then resume with: coder-platform day1 --users-file '/srv/team'\\''s users.yaml' --prune --config c.yaml --state-dir ${dir}`,
    );
    expect((await readJournal(dir))?.phases.demo?.resumeCommand).toBe(
      `coder-platform day1 --users-file '/srv/team'\\''s users.yaml' --prune --config c.yaml --state-dir ${dir}`,
    );
  });
});
