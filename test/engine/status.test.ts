/** `status`: phases, versions and the next command, from a real journal written by the engine. */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import { readStatus } from '../../src/services/status.js';
import { renderStatus } from '../../src/ui/status-view.js';
import { tempDir } from './helpers.js';

const globals = { configPath: './prod.yaml', stateDir: undefined, awsProfile: undefined, region: undefined };
const resume = (cmd: string): string => `coder-platform ${cmd} --config ./prod.yaml`;

function phase(name: string, outputs: Record<string, string> = {}, fail?: string): Phase {
  return {
    name,
    version: 1,
    steps: [
      { id: 'first', title: 'First', run: async () => outputs },
      {
        id: 'second',
        title: 'Second',
        dependsOn: ['first'],
        run: async () => {
          if (fail !== undefined) throw new Error(fail);
        },
      },
    ],
  };
}

const run = (stateDir: string, p: Phase) =>
  runPhase(p, undefined, {
    deployment: 'prod',
    stateDir,
    command: resume(p.name.replace(/^day0-/, 'day0 ')),
    host: new RecordingHost(),
  });

describe('readStatus', () => {
  it('walks preflight → day0 deploy → day1, resuming a failed phase first, and reports versions', async () => {
    const stateDir = tempDir();
    const next = async () => (await readStatus({ deployment: 'prod', stateDir, globals })).nextCommand;
    expect(await next()).toBe(resume('preflight'));

    await run(stateDir, phase('preflight'));
    expect(await next()).toBe(resume('day0 deploy'));

    await run(
      stateDir,
      phase('day0-deploy', { kubernetesVersion: '1.34' }, 'stack coder-cluster is in ROLLBACK_COMPLETE'),
    );
    let status = await readStatus({ deployment: 'prod', stateDir, globals });
    expect(status.nextCommand).toBe(resume('day0 deploy'));
    expect(status.nextReason).toContain(
      'day0-deploy failed at step second: stack coder-cluster is in ROLLBACK_COMPLETE',
    );
    expect(status.phases.map((p) => [p.name, p.status])).toEqual([
      ['preflight', 'succeeded'],
      ['day0-deploy', 'failed'],
    ]);
    expect(status.phases[1]?.steps[1]).toMatchObject({
      id: 'second',
      status: 'failed',
      attempts: 1,
      error: 'stack coder-cluster is in ROLLBACK_COMPLETE',
    });

    await run(stateDir, phase('day0-deploy', { kubernetesVersion: '1.34' }));
    await run(stateDir, phase('day1', { coderVersion: 'v2.29.1', chartVersion: '2.29.1' }));
    status = await readStatus({ deployment: 'prod', stateDir, globals });
    expect(status.versions).toEqual({ kubernetes: '1.34', coder: 'v2.29.1', chart: '2.29.1' });
    expect(status.nextCommand).toBe(resume('day2 --help'));

    const text = renderStatus(status);
    expect(text).toContain('Deployment prod');
    expect(text).toMatch(/day0-deploy succeeded/);
    expect(text).toContain('Coder v2.29.1, chart 2.29.1, Kubernetes 1.34');
  });

  it('names a live run instead of a next command, and adds --break-lock for a crashed one', async () => {
    const stateDir = tempDir();
    await run(stateDir, phase('preflight'));
    writeFileSync(
      join(stateDir, 'lock.json'),
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        command: 'coder-platform day1',
      }),
    );
    let status = await readStatus({ deployment: 'prod', stateDir, globals });
    expect(status.nextCommand).toBeUndefined();
    expect(status.nextReason).toContain(`A run is in progress (pid ${process.pid}`);

    // The run died mid-phase: the journal says running, the lock is stale.
    const journalFile = join(stateDir, 'journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    journal.phases['day0-deploy'] = {
      version: 1,
      status: 'running',
      startedAt: new Date().toISOString(),
      steps: { first: { status: 'running', attempts: 1 } },
    };
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(
      join(stateDir, 'lock.json'),
      JSON.stringify({
        pid: 1,
        host: 'elsewhere',
        startedAt: '2020-01-01T00:00:00Z',
        command: 'coder-platform day0 deploy',
      }),
    );
    status = await readStatus({ deployment: 'prod', stateDir, globals });
    expect(status.lock?.stale).toMatch(/h old/);
    expect(status.nextCommand).toBe(`${resume('day0 deploy')} --break-lock`);
    expect(status.nextReason).toContain('stopped without recording its end');
  });
});
