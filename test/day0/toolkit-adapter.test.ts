import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolkitLibAdapter, type CdkAssembly } from '../../src/cdk/toolkit.js';
import { RecordingHost } from '../../src/engine/host.js';
import { ExternalError } from '../../src/errors.js';
import { testConfig } from './fakes.js';

// The real toolkit-lib adapter, offline: synthesis works without credentials; deploy and destroy reach
// toolkit-lib's credential resolution and fail there, mapped to our error with the next step.
describe('toolkit-lib adapter (offline)', () => {
  let dir: string;
  let assembly: CdkAssembly;
  const host = new RecordingHost();
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [key, value] of Object.entries({
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    })) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    dir = await mkdtemp(join(tmpdir(), 'adapter-'));
    assembly = await toolkitLibAdapter.synthesize({
      config: testConfig('mvp-500', 'aws: {accountId: "123456789012"}\n'),
      outdir: join(dir, 'cdk.out'),
      host,
      aws: { region: 'us-east-1' },
      adminPrincipalArn: 'arn:aws:iam::123456789012:role/Admin',
    });
  }, 120_000);

  afterAll(async () => {
    await assembly?.dispose();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the five mvp-500 stacks with resource counts and their dependencies', () => {
    expect(assembly.stacks.map((s) => s.name).sort()).toEqual([
      'acme-cluster',
      'acme-data',
      'acme-edge',
      'acme-network',
      'acme-schedule',
    ]);
    expect(assembly.stack('acme-network').resourceTypes['AWS::EC2::NatGateway']).toBe(1);
    expect(assembly.stack('acme-schedule').dependencies).toContain('acme-cluster');
    expect(host.events.filter((e) => e.code === 'CDK_TOOLKIT_I1000' && e.level === 'info')).toHaveLength(1);
  });

  it('diffs a stack against its own template with no differences (local file, no AWS)', async () => {
    const diff = await assembly.diffStack('acme-edge', assembly.stack('acme-edge').templatePath, { host });
    expect(diff).toEqual({ stack: 'acme-edge', differences: 0, resources: [], permissionsBroadened: false });
  });

  it('deploy without credentials fails as an ExternalError that says how to log in', async () => {
    const error = await assembly.deployStack('acme-network', { host }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).message).toMatch(/credentials/);
    expect((error as ExternalError).resource).toBe('acme-network');
    expect((error as ExternalError).nextSteps.join(' ')).toContain('aws sso login');
  });
});
