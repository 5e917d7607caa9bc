/**
 * `coder-platform preflight` end to end in a child process: exit codes, --json, the CI lines. AWS is
 * faked in the child (fixtures/run-preflight.ts); helm and kubectl are tiny scripts on PATH.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PreflightResult } from '../../src/commands/preflight.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = resolve(import.meta.dirname, 'fixtures/run-preflight.ts');

function workspace(configText: string): { dir: string; config: string; bin: string } {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-cmd-'));
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  const tool = (name: string, out: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho '${out}'\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('helm', 'v3.16.2+g13654a5');
  tool('kubectl', JSON.stringify({ clientVersion: { major: '1', minor: '34', gitVersion: 'v1.34.1' } }));
  const config = join(dir, 'coder-platform.yaml');
  writeFileSync(config, configText);
  return { dir, config, bin };
}

const MVP =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: ops@example.com\n';

function run(args: string[], env: Record<string, string>, bin: string) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CODER_PLATFORM_') && !k.startsWith('AWS_')),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: {
      ...clean,
      PATH: `${bin}:/usr/bin:/bin`,
      CI: 'true',
      NO_COLOR: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      ...env,
    },
  });
}

describe('coder-platform preflight', () => {
  it('exits 0 on a healthy account and prints every check as a plain line in CI', () => {
    const ws = workspace(MVP);
    const out = run(['--config', ws.config, '--state-dir', join(ws.dir, 'state')], { PF_FAKE: 'healthy' }, ws.bin);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /^PASS quotas quota-ec2-ondemand-standard-vcpu required="1,407 vCPU" current="100,000 applied, 0 in use" code=ec2\/L-1216C47A — /m,
    );
    expect(out.stdout).toMatch(/^PASS tools tool-kubectl required="1.33–1.35" current="1.34.1"/m);
    expect(out.stdout).toContain('Preflight: ');
    expect(out.stdout).toContain('— ready.');
  }, 120_000);

  it('exits 1 when a critical quota is short; --json carries every check', () => {
    const ws = workspace(MVP);
    const out = run(
      ['--config', ws.config, '--state-dir', join(ws.dir, 'state'), '--json'],
      { PF_FAKE: 'short' },
      ws.bin,
    );
    expect(out.status, out.stderr).toBe(1);
    const result = JSON.parse(out.stdout) as PreflightResult;
    expect(result.summary).toMatchObject({ criticalFailures: 1, exitCode: 1 });
    expect(result.checks.find((c) => c.id === 'quota-ec2-ondemand-standard-vcpu')).toEqual({
      id: 'quota-ec2-ondemand-standard-vcpu',
      area: 'quotas',
      status: 'fail',
      critical: true,
      required: '1,407 vCPU',
      current: '5 default, 0 in use',
      quotaCode: 'ec2/L-1216C47A',
      message: expect.stringContaining('= 1,172; × (1 + 20 %) → 1,407'),
      fix: expect.stringContaining('--request-increases'),
    });
  }, 120_000);

  it("files a short quota once with --request-increases --yes; a plain re-run shows the journaled request's status and files nothing", () => {
    const ws = workspace(MVP);
    const state = join(ws.dir, 'state');
    const first = run(
      ['--config', ws.config, '--state-dir', state, '--request-increases', '--yes', '--json'],
      { PF_FAKE: 'short', PF_REQUEST_STATUS: 'CASE_OPENED' },
      ws.bin,
    );
    const filed = (JSON.parse(first.stdout) as PreflightResult).increases.find((i) => i.quotaCode === 'L-1216C47A');
    expect(filed, first.stderr).toMatchObject({ action: 'filed', requestId: 'req-1' });
    const again = run(
      ['--config', ws.config, '--state-dir', state, '--json'],
      { PF_FAKE: 'short', PF_REQUEST_STATUS: 'CASE_OPENED' },
      ws.bin,
    );
    expect(again.status, again.stderr).toBe(1); // still short until AWS approves
    const tracked = (JSON.parse(again.stdout) as PreflightResult).increases.find((i) => i.quotaCode === 'L-1216C47A');
    expect(tracked).toMatchObject({ action: 'tracked', requestId: 'req-1', status: 'CASE_OPENED' });
  }, 180_000);

  it('exits 3 with a clear message when there are no AWS credentials', () => {
    const ws = workspace(MVP);
    const out = run(['--config', ws.config, '--state-dir', join(ws.dir, 'state')], {}, ws.bin);
    expect(out.status, out.stderr).toBe(3);
    expect(out.stderr).toMatch(/credentials are missing, invalid or expired/);
  }, 120_000);

  it('refuses --request-increases without --yes when it cannot ask (exit 2)', () => {
    const ws = workspace(MVP);
    const out = run(['--config', ws.config, '--request-increases'], { PF_FAKE: 'short' }, ws.bin);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('--yes');
  }, 120_000);

  it('exits 2 on an invalid config before touching AWS', () => {
    const ws = workspace(MVP.replace('mvp-500', 'mvp-5000'));
    const out = run(['--config', ws.config], { PF_FAKE: 'healthy' }, ws.bin);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('unknown profile');
  }, 120_000);
});
