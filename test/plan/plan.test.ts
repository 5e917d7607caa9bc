import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { plan, type PlanResult } from '../../src/phases/plan/service.js';
import { notFound, testConfig } from '../day0/fakes.js';

describe('plan (toolkit-lib, in-process, offline)', () => {
  let stateDir: string;
  let result: PlanResult;
  const host = new RecordingHost();
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // No credentials and no way to find any: every AWS_* variable removed, config and credential files pointed nowhere.
    for (const key of Object.keys(process.env).filter((k) => k.startsWith('AWS_') && !k.startsWith('AWS_SDK_JS_'))) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    for (const [key, value] of Object.entries({
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    })) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    stateDir = await mkdtemp(join(tmpdir(), 'plan-'));
    result = await plan({
      config: testConfig('scale-3000', 'aws: {accountId: "123456789012"}\n'),
      stateDir,
      host,
      aws: { region: 'us-east-1' },
    });
  }, 120_000);

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('notes the private API endpoint with how day1 reaches it, and the CloudTrail trail it creates', () => {
    expect(result.notes).toEqual([
      {
        level: 'info',
        message: expect.stringMatching(
          /^EKS API endpoint is private only \(no public endpoint\): day1 \(helm, kubectl\) must run where/,
        ),
      },
      { level: 'info', message: expect.stringContaining('CloudTrail: a multi-Region trail') },
    ]);
    expect(host.events.filter((e) => e.code === 'PLAN_EXPOSURE_WARNING')).toEqual([]);
  });

  it('synthesizes scale-3000 into the state directory and reports each stack’s resource counts', async () => {
    expect(result.assemblyDirectory).toBe(join(stateDir, 'cdk.out'));
    expect(existsSync(join(stateDir, 'cdk.out', 'manifest.json'))).toBe(true);
    const names = result.stacks.map((s) => s.name).sort();
    expect(names).toEqual(['acme-cluster', 'acme-data', 'acme-dr', 'acme-edge', 'acme-network', 'acme-schedule']);
    // Counts match the templates toolkit-lib wrote (found through the assembly manifest).
    const manifest = JSON.parse(await readFile(join(stateDir, 'cdk.out', 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
    };
    for (const stack of result.stacks) {
      expect(stack.resources).toBeGreaterThan(0);
      expect(Object.values(stack.resourceTypes).reduce((a, b) => a + b, 0)).toBe(stack.resources);
      const artifact = Object.values(manifest.artifacts).find(
        (a) => a.type === 'aws:cloudformation:stack' && a.properties?.stackName === stack.name,
      );
      const template = JSON.parse(
        await readFile(join(stateDir, 'cdk.out', artifact?.properties?.templateFile ?? 'missing'), 'utf8'),
      ) as { Resources: object };
      expect(Object.keys(template.Resources)).toHaveLength(stack.resources);
    }
    const network = result.stacks.find((s) => s.name === 'acme-network');
    expect(network?.resourceTypes['AWS::EC2::NatGateway']).toBe(3);
    expect(network?.resourceTypes['AWS::EC2::Subnet']).toBe(15);
    expect(result.stacks.find((s) => s.name === 'acme-cluster')?.resourceTypes['AWS::EKS::Nodegroup']).toBe(4);
    expect(result.totalResources).toBe(result.stacks.reduce((a, s) => a + s.resources, 0));
  });

  it('writes the Mermaid diagram and prices the platform from the bundled table', async () => {
    const mmd = await readFile(result.diagramPath, 'utf8');
    expect(result.diagramPath).toBe(join(stateDir, 'architecture.mmd'));
    expect(mmd).toContain('coder-ws-ondemand');
    expect(result.cost.pricing).toBe('table');
    expect(result.cost.monthlyWithSchedule).toBeGreaterThan(0);
    expect(result.cost.monthlyWithSchedule).toBeLessThan(result.cost.monthly24x7);
    expect(result.diff).toBeUndefined();
    // the synthesis time is kept for --verbose, not shown as a stray line on stderr
    expect(host.events.filter((e) => e.code === 'CDK_TOOLKIT_I1000').map((e) => e.level)).toEqual(['debug']);
  });

  it('--pricing live that falls back to the bundled table is not labelled live', async () => {
    const { PricingClient } = await import('@aws-sdk/client-pricing');
    const pricing = new PricingClient({ region: 'us-east-1' });
    mockClient(pricing).rejects(
      Object.assign(new Error('getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }),
    );
    const live = new RecordingHost();
    const fallback = await plan({
      config: testConfig('mvp-500'),
      stateDir: join(stateDir, 'live'),
      host: live,
      pricing: 'live',
      aws: { region: 'us-east-1' },
      clients: { pricing },
    });
    expect(fallback.cost).toMatchObject({ pricing: 'table', pricingRequested: 'live' });
    expect(live.events.map((e) => e.code)).toContain('PLAN_PRICES_LIVE_FAILED');
    const { renderPlan } = await import('../../src/ui/plan-view.js');
    expect(renderPlan(fallback)).toContain('Estimated monthly cost (bundled price table (live prices unavailable) of');
    expect(renderPlan(fallback)).not.toContain('live EC2 prices');
  }, 120_000);

  it('with --diff and working credentials, diffs each deployed stack against the synthesized one', async () => {
    // Given the network stack deployed from a template that lacks the flow log, and no other stack deployed
    const manifest = JSON.parse(await readFile(join(stateDir, 'cdk.out', 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
    };
    const file =
      Object.values(manifest.artifacts).find((a) => a.properties?.stackName === 'acme-network')?.properties
        ?.templateFile ?? 'missing';
    const deployed = JSON.parse(await readFile(join(stateDir, 'cdk.out', file), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const [flowLogId] = Object.entries(deployed.Resources).find(([, r]) => r.Type === 'AWS::EC2::FlowLog') ?? [];
    expect(flowLogId).toBeDefined();
    delete deployed.Resources[flowLogId as string];
    const sts = mockClient(STSClient);
    const cfn = mockClient(CloudFormationClient);
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/planner' });
    cfn
      .on(DescribeStacksCommand)
      .callsFake((input: { StackName: string }) => Promise.reject(notFound(input.StackName)));
    cfn
      .on(DescribeStacksCommand, { StackName: 'acme-network' })
      .resolves({ Stacks: [{ StackName: 'acme-network', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(GetTemplateCommand, { StackName: 'acme-network' }).resolves({ TemplateBody: JSON.stringify(deployed) });
    try {
      // When plan runs with diff
      const withDiff = await plan({
        config: testConfig('scale-3000', 'aws: {accountId: "123456789012"}\n'),
        stateDir,
        host: new RecordingHost(),
        diff: true,
        aws: { region: 'us-east-1' },
        clients: {
          sts: new STSClient({ region: 'us-east-1' }),
          cloudFormation: (region) => new CloudFormationClient({ region }),
        },
      });
      // Then the network stack shows exactly the flow log as an addition; the others would be created
      expect(withDiff.diff?.available).toBe(true);
      const network = withDiff.diff?.stacks.find((d) => d.stack === 'acme-network');
      expect(network?.deployed).toBe(true);
      expect(network?.resources).toEqual([{ logicalId: flowLogId, resourceType: 'AWS::EC2::FlowLog', change: 'add' }]);
      expect(
        withDiff.diff?.stacks
          .filter((d) => !d.deployed)
          .map((d) => d.stack)
          .sort(),
      ).toEqual(['acme-cluster', 'acme-data', 'acme-dr', 'acme-edge', 'acme-schedule']);
    } finally {
      sts.restore();
      cfn.restore();
    }
  }, 120_000);

  it('with --diff but no working credentials, still plans and says why there is no diff', async () => {
    const sts = mockClient(STSClient);
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const host = new RecordingHost();
    try {
      const offline = await plan({
        config: testConfig('mvp-500'),
        stateDir: join(stateDir, 'mvp'),
        host,
        diff: true,
        aws: { region: 'us-east-1' },
        clients: { sts: new STSClient({ region: 'us-east-1' }) },
      });
      expect(offline.stacks).toHaveLength(5);
      expect(offline.diff).toMatchObject({ available: false, stacks: [] });
      expect(offline.diff?.note).toMatch(/credentials/);
      expect(host.events.some((e) => e.code === 'PLAN_DIFF_UNAVAILABLE' && e.level === 'warn')).toBe(true);
    } finally {
      sts.restore();
    }
  }, 120_000);
});
