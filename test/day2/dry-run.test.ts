/**
 * Day-2 dry runs through the real commands, in-process: with no credentials the step plan comes from the
 * configuration alone and no AWS client is called; with credentials (aws-sdk-client-mock) the same plan
 * adds what the read-only probes found. `scale-schedule show` works offline from the configuration.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EKSClient } from '@aws-sdk/client-eks';
import { RDSClient } from '@aws-sdk/client-rds';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Day0Deploy from '../../src/commands/day0/deploy.js';
import Day1 from '../../src/commands/day1.js';
import RestoreTest from '../../src/commands/day2/restore-test.js';
import Preflight from '../../src/commands/preflight.js';
import Upgrade from '../../src/commands/day2/upgrade.js';
import ScaleScheduleSet from '../../src/commands/day2/scale-schedule/set.js';
import ScaleScheduleShow from '../../src/commands/day2/scale-schedule/show.js';
import type { StepResult } from '../../src/engine/types.js';
import { projectRoot, tempDir } from '../engine/helpers.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: demo\naws:\n  region: us-east-1\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  CI: 'true',
};
const CREDENTIALS = { ...NO_CREDENTIALS, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret' };

const cfn = mockClient(CloudFormationClient);
const scheduler = mockClient(SchedulerClient);
const rds = mockClient(RDSClient);
const eks = mockClient(EKSClient);
const sts = mockClient(STSClient);
const stack = (name: string, outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: name,
      StackStatus: 'CREATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});
const OUTPUTS: Record<string, Record<string, string>> = {
  'demo-network': { VpcId: 'vpc-1', SubnetIds: 'public=subnet-1,subnet-2' },
  'demo-data': {
    DbEngine: 'rds-postgres',
    DbInstanceIdentifier: 'demo-db',
    DbWriterEndpoint: 'demo-db.x.rds.amazonaws.com',
    DbPort: '5432',
    DbSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:demo/db',
    DbSubnetGroupName: 'demo-db',
    DbSecurityGroupId: 'sg-db',
    DbKmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
  },
  'demo-cluster': {
    ClusterName: 'demo',
    ClusterEndpoint: 'https://x.eks.amazonaws.com',
    ClusterArn: 'arn:aws:eks:us-east-1:111122223333:cluster/demo',
    ClusterSecurityGroupId: 'sg-c',
    ClusterCertificateAuthority: 'LS0t',
    NodeGroupNames: 'coder-system=demo-system,coder-prov=demo-prov,coder-ws=demo-ws',
    CoderdRoleArn: 'r',
    ProvisionerRoleArn: 'r',
    EbsCsiRoleArn: 'r',
    LoadBalancerControllerRoleArn: 'r',
    ClusterAutoscalerRoleArn: 'r',
  },
  'demo-edge': {
    CoderTargetGroupArn: 'arn:tg',
    LoadBalancerDnsName: 'nlb',
    CertificateArn: 'arn:cert',
    HostedZoneId: 'Z1',
    AccessUrl: 'https://coder.example.com',
    WildcardAccessUrl: '*.coder.example.com',
  },
  'demo-schedule': {
    ScheduleGroupName: 'demo-schedules',
    SchedulerRoleArn: 'arn:aws:iam::111122223333:role/demo-scheduler',
  },
};

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  for (const m of [cfn, scheduler, rds, eks, sts]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ops', UserId: 'AIDA' });
  cfn
    .on(DescribeStacksCommand)
    .callsFake((input: { StackName: string }) => stack(input.StackName, OUTPUTS[input.StackName] ?? {}));
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
});
afterEach(() => {
  process.env = saved;
  process.exitCode = 0;
  vi.restoreAllMocks();
});

function setEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** Run a command with --json in `dir`; the parsed result and stderr. */
async function run<T>(
  command: { run(argv: string[], root: string): Promise<unknown> },
  argv: string[],
  env: Record<string, string | undefined>,
  json = true,
): Promise<{ result: T; stderr: string }> {
  setEnv(env);
  let out = '';
  let stderr = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += c.toString()), true));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  await command.run(json ? [...argv, '--json'] : argv, projectRoot).catch(() => undefined);
  vi.restoreAllMocks();
  return { result: (json ? JSON.parse(out) : out) as T, stderr };
}

const plan = (steps: StepResult[]): [string, string | undefined, string | undefined][] =>
  steps.map((s) => [s.id, s.plan, s.probed?.found]);
const awsCalls = (): number => [cfn, scheduler, rds, eks, sts].reduce((n, m) => n + m.calls().length, 0);

function workspace(): { dir: string; file: string; argv: string[] } {
  const dir = tempDir('dry-');
  const file = join(dir, 'coder-platform.yaml');
  writeFileSync(file, CONFIG);
  return { dir, file, argv: ['--config', file, '--state-dir', join(dir, 'state')] };
}

describe('day2 --dry-run without credentials', () => {
  it('restore-test, upgrade and scale-schedule set plan from the configuration alone, calling no AWS client', async () => {
    const w = workspace();
    const restore = await run<{ phase: { status: string; steps: StepResult[] } }>(
      RestoreTest,
      [...w.argv, '--dry-run'],
      NO_CREDENTIALS,
    );
    expect(restore.result.phase.status).toBe('planned');
    expect(plan(restore.result.phase.steps)).toEqual([
      ['sweep-leftovers', 'run', undefined],
      ['restore-point', 'wait', undefined],
      ['restore', 'wait', undefined],
      ['validate', 'wait', undefined],
      ['delete-copy', 'wait', undefined],
    ]);

    const upgrade = await run<{ phase: { status: string; steps: StepResult[] } }>(
      Upgrade,
      [...w.argv, '--dry-run', '--kubernetes-version', '1.35'],
      NO_CREDENTIALS,
    );
    expect(upgrade.result.phase.status).toBe('planned');
    // one step per configured node group, in role order, although Day 0's outputs were never read
    expect(upgrade.result.phase.steps.filter((s) => s.plan !== 'skip').map((s) => s.id)).toEqual([
      'gate',
      'control-plane',
      'config-kubernetes-version',
      'nodegroup-coder-system',
      'nodegroup-coder-prov',
      'nodegroup-coder-ws',
      'addons',
    ]);

    const set = await run<{ phase: { status: string; steps: StepResult[] }; changed: string[] }>(
      ScaleScheduleSet,
      [...w.argv, '--dry-run', '--scale-up', '07:00'],
      NO_CREDENTIALS,
    );
    expect(plan(set.result.phase.steps)).toEqual([
      ['write-config', 'run', undefined],
      ['deploy-schedule', 'wait', undefined],
    ]);
    expect(set.result.changed).toEqual(['schedule.scaleUp']);
    expect(readFileSync(w.file, 'utf8')).toBe(CONFIG); // a dry run writes nothing

    expect(awsCalls()).toBe(0);
  });

  it('scale-schedule show prints the configured schedule and next transitions offline', async () => {
    const w = workspace();
    const show = await run<{
      live: boolean;
      scaleUp: string;
      next: unknown[];
      nodeGroups: { configName: string; maxSize: number }[];
      warnings: string[];
    }>(ScaleScheduleShow, [...w.argv, '--timezone', 'UTC'], NO_CREDENTIALS);
    expect(show.result.live).toBe(false);
    expect(show.result.scaleUp).toBe('06:45');
    expect(show.result.next).toHaveLength(5);
    expect(show.result.nodeGroups.find((g) => g.configName === 'coder-ws')?.maxSize).toBe(20);
    expect(show.result.warnings.join(' ')).toMatch(/live schedules .* were not read/);
    const { renderScheduleView } = await import('../../src/ui/day2-view.js');
    const text = renderScheduleView(show.result as never);
    expect(text).toContain('Schedules (live state not read: no AWS credentials or no deployment)');
    expect(text).toMatch(
      /coder-ws +2 +2 +20 +10 +2 +\(as configured\)|\(as configured\)[\s\S]*coder-ws +2 +2 +20 +10 +2/,
    );
    expect(awsCalls()).toBe(0);
  });
});

describe('preflight, day0 deploy and day1 --dry-run without credentials', () => {
  it('plan every step from the configuration alone, calling no AWS client, exit 0', async () => {
    const w = workspace();
    const preflight = await run<{ checks: unknown[] }>(Preflight, [...w.argv, '--dry-run'], NO_CREDENTIALS);
    expect(preflight.result.checks).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
    const day0 = await run<{ status: string; steps: StepResult[] }>(
      Day0Deploy,
      [...w.argv, '--dry-run'],
      NO_CREDENTIALS,
    );
    expect(day0.result.status).toBe('planned');
    expect(day0.result.steps.map((s) => s.id)).toEqual([
      'preflight-gate',
      'bootstrap-check',
      'synth',
      'network',
      'data',
      'cluster',
      'edge',
      'schedule',
    ]);
    const day1 = await run<{ status: string; steps: StepResult[] }>(Day1, [...w.argv, '--dry-run'], NO_CREDENTIALS);
    expect(day1.result.status).toBe('planned');
    expect(day1.result.steps.every((s) => s.probed === undefined)).toBe(true);
    expect(awsCalls()).toBe(0);
  });

  it('preflight with credentials names the identity the checks would run as', async () => {
    const w = workspace();
    const out = await run<string>(Preflight, [...w.argv, '--dry-run'], CREDENTIALS, false);
    expect(out.stderr).toContain(
      'The checks would run as arn:aws:iam::111122223333:user/ops (account 111122223333) in us-east-1.',
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });
});

describe('day2 --dry-run with credentials', () => {
  it('scale-schedule set shows the same plan plus what the probes found', async () => {
    const w = workspace();
    // --scale-up 06:45 is what the file already says: write-config is found done, deploy-schedule probed
    const set = await run<{ phase: { status: string; steps: StepResult[] } }>(
      ScaleScheduleSet,
      [...w.argv, '--dry-run', '--scale-up', '06:45'],
      CREDENTIALS,
    );
    expect(plan(set.result.phase.steps)).toEqual([
      ['write-config', 'skip', 'done'],
      ['deploy-schedule', 'run', 'not-done'],
    ]);
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toContain('demo-schedule');
    expect(scheduler.commandCalls(ListSchedulesCommand)[0]?.args[0].input.GroupName).toBe('demo-schedules');
    expect(readFileSync(w.file, 'utf8')).toBe(CONFIG);
  });

  it('falls back to the configuration when Day 0 outputs cannot be read, saying so', async () => {
    const w = workspace();
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id demo-network does not exist'), { name: 'ValidationError' }));
    const restore = await run<{ phase: { status: string; steps: StepResult[] } }>(
      RestoreTest,
      [...w.argv, '--dry-run'],
      CREDENTIALS,
    );
    expect(restore.result.phase.status).toBe('planned');
    expect(plan(restore.result.phase.steps)[0]).toEqual(['sweep-leftovers', 'run', undefined]);
    expect(rds.calls()).toHaveLength(0);
  });
});

describe('restore-test flags', () => {
  it('--from is a step id; the old --from snapshot still selects the restore point, with a deprecation warning', async () => {
    const w = workspace();
    const legacy = await run<string>(
      RestoreTest,
      [...w.argv, '--dry-run', '--from', 'snapshot'],
      NO_CREDENTIALS,
      false,
    );
    expect(legacy.stderr).toMatch(/--from snapshot is deprecated[\s\S]*--restore-from snapshot/);
    expect(legacy.stderr).toMatch(/\[run \] sweep-leftovers/); // all steps planned: snapshot is not a step
    expect(process.exitCode ?? 0).toBe(0);
    const step = await run<{ phase: { steps: StepResult[] } }>(
      RestoreTest,
      [...w.argv, '--dry-run', '--from', 'validate'],
      NO_CREDENTIALS,
    );
    expect(plan(step.result.phase.steps).map(([id, p]) => [id, p])).toEqual([
      ['sweep-leftovers', 'skip'],
      ['restore-point', 'skip'],
      ['restore', 'skip'],
      ['validate', 'run'],
      ['delete-copy', 'wait'],
    ]);
    const alias = await run<string>(
      RestoreTest,
      [...w.argv, '--dry-run', '--from-step', 'validate'],
      NO_CREDENTIALS,
      false,
    );
    expect(alias.stderr).toMatch(/--from-step[\s\S]*deprecated|deprecated[\s\S]*--from-step/);
    expect(alias.stderr).toMatch(/\[run \] validate/);
  });
});
