/** `status` after a preflight that failed: before its checks (no credentials) or with critical problems. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Preflight from '../../src/commands/preflight.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { readStatus } from '../../src/services/status.js';
import { tempDir, projectRoot } from '../engine/helpers.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: demo\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';
const globals = { configPath: './coder-platform.yaml', stateDir: undefined, awsProfile: undefined, region: undefined };

describe('status after a failed preflight', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = 0;
    vi.restoreAllMocks();
  });

  it('without credentials: preflight failed at the identity step, and the command to resume', async () => {
    const dir = tempDir('status-');
    const file = join(dir, 'coder-platform.yaml');
    writeFileSync(file, CONFIG);
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[k];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      CI: 'true',
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stateDir = join(dir, 'state');
    await Preflight.run(['--config', file, '--state-dir', stateDir], projectRoot).catch(() => undefined);
    expect(process.exitCode).toBe(3);
    const status = await readStatus({
      deployment: 'demo',
      stateDir,
      globals: { ...globals, configPath: file, stateDir },
    });
    expect(status.phases.map((p) => [p.name, p.status])).toEqual([['preflight', 'failed']]);
    expect(status.phases[0]?.steps.find((s) => s.id === 'identity')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/credentials are missing/),
    });
    expect(status.nextReason).toMatch(/^preflight failed at step identity: .*credentials/);
    expect(status.nextCommand).toBe(`coder-platform preflight --config ${file} --state-dir ${stateDir}`);
  });

  it('with critical problems found: run preflight again, not day0 deploy', async () => {
    const stateDir = tempDir('status-');
    const results = JSON.stringify([
      { id: 'quota-vcpu', status: 'fail', critical: true },
      { id: 'dns', status: 'warn', critical: false },
    ]);
    await runPhase(
      { name: 'preflight', version: 1, steps: [{ id: 'quotas', title: 'Quotas', run: async () => ({ results }) }] },
      undefined,
      { deployment: 'demo', stateDir, command: 'coder-platform preflight', host: new RecordingHost() },
    );
    const status = await readStatus({ deployment: 'demo', stateDir, globals });
    expect(status.nextCommand).toBe('coder-platform preflight --config ./coder-platform.yaml');
    expect(status.nextReason).toBe('preflight found 1 critical problem (quota-vcpu); fix them and run it again.');
  });
});
