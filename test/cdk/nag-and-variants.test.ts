/**
 * cdk-nag: both packs run on every synth and any unacknowledged finding fails it; acknowledgements are
 * scoped to constructs, never to an app or a whole stack. Plus the config switches that change the templates.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { NetworkStack } from '../../assets/cdk/lib/network-stack.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCoderPlatformApp } from '../../assets/cdk/lib/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { reportViolations, resolveConfig, resourcesOf, synthesize, type Synthesized } from './synth.js';

const commandsDir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'commands');

describe('cdk-nag', () => {
  it.each(['mvp-500', 'scale-3000'] as const)(
    '%s synthesizes with AwsSolutions and NIST 800-53 rev 5 and no unacknowledged finding',
    (shape) => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-nag-'));
      const { app } = buildCoderPlatformApp(resolveConfig(shape), { outdir });
      expect(() => app.synth()).not.toThrow();
      expect(reportViolations(outdir)).toEqual([]);
    },
  );

  it('fails the synth on an unacknowledged finding from either pack', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-nag-'));
    const { app, stacks } = buildCoderPlatformApp(resolveConfig('mvp-500'), { outdir });
    new s3.Bucket(stacks.edge, 'UnloggedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    const rules = reportViolations(outdir).map((v) => v.ruleName);
    expect(rules).toContain('AwsSolutions-S1');
    expect(rules.some((r) => r.startsWith('NIST.800.53.R5-S3'))).toBe(true);
  });

  it('reports a world-open rule on the node security group (none is acknowledged)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-nag-'));
    const { app, stacks } = buildCoderPlatformApp(resolveConfig('mvp-500'), { outdir });
    (stacks.network as NetworkStack).nodeSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(22),
      'a world-open TCP rule',
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });

  it.each(['mvp-500', 'scale-3000'] as const)(
    '%s acknowledges findings on specific constructs with a true reason, never app- or stack-wide',
    (shape) => {
      const { app } = buildCoderPlatformApp(resolveConfig(shape), {
        outdir: mkdtempSync(path.join(tmpdir(), 'cdk-nag-')),
      });
      app.synth();
      const ours = app.node.findAll().flatMap((construct) =>
        construct.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>))
          .filter(([id]) => /AwsSolutions|NIST/.test(id))
          .map(([id, reason]) => ({ construct, id, reason })),
      );
      expect(ours.length).toBeGreaterThan(10);
      for (const ack of ours) {
        expect(
          ack.construct instanceof App || ack.construct instanceof Stack,
          `${ack.id} on ${ack.construct.node.path}`,
        ).toBe(false);
        expect(ack.reason.length, `${ack.id} needs a specific reason`).toBeGreaterThan(40);
        if (/IAM[45]$/.test(ack.id))
          throw new Error(`${ack.id} on ${ack.construct.node.path} is not narrowed with appliesTo`);
        // A reason that points at a CLI command points at one that exists
        for (const [, command] of ack.reason.matchAll(/`coder-platform`?\s+([a-z0-9-]+)/g)) {
          const exists = [path.join(commandsDir, `${command}.ts`), path.join(commandsDir, command ?? '')].some((f) =>
            existsSync(f),
          );
          expect(
            exists,
            `${ack.id} on ${ack.construct.node.path} cites coder-platform ${command}, which is no command`,
          ).toBe(true);
        }
        // Coder's audit log is a Premium feature: a reason may not lean on it without saying so
        if (/audit/i.test(ack.reason)) expect(ack.reason, ack.id).toMatch(/Premium/);
      }
    },
  );
});

describe('config switches', () => {
  let variant: Synthesized;
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
  beforeAll(() => {
    const yaml = [
      'apiVersion: coder-platform/v1',
      'profile: mvp-500',
      'deployment:',
      '  name: acme-dev',
      '  environment: staging',
      'aws:',
      '  region: us-east-1',
      '  accountId: "123456789012"',
      'dns:',
      '  domain: example.com',
      '  hostedZoneId: Z0123456789ABCDEFGHIJ',
      `  certificateArn: ${certificateArn}`,
      'coder:',
      '  admin:',
      '    email: admin@example.com',
      'schedule:',
      '  enabled: false',
      '  timezone: Europe/Berlin',
      '  scaleUp: "07:05"',
      '  weekdays: [MON, TUE, WED, THU, SAT]',
      'cluster:',
      '  endpointAccess:',
      '    mode: private',
      '',
    ].join('\n');
    const config = parseConfigText(yaml, 'variant.yaml');
    variant = synthesize(config, { adminPrincipalArn: 'arn:aws:iam::123456789012:role/platform-admins' });
  });

  it('disables every schedule when schedule.enabled is false, keeping the configured time zone, time and days', () => {
    const schedules = resourcesOf(variant.json('schedule'), 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(4);
    for (const [, p] of schedules)
      expect(p).toMatchObject({ State: 'DISABLED', ScheduleExpressionTimezone: 'Europe/Berlin' });
    expect(schedules.map(([, p]) => p.ScheduleExpression).sort()).toEqual([
      'cron(15 18 ? * MON-THU,SAT *)',
      'cron(15 18 ? * MON-THU,SAT *)',
      'cron(5 7 ? * MON-THU,SAT *)',
      'cron(5 7 ? * MON-THU,SAT *)',
    ]);
  });

  it('uses the existing hosted zone and certificate instead of creating them', () => {
    const t = variant.template('edge');
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::Route53::HostedZone', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: certificateArn }],
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'coder.example.com.',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
  });

  it('names stacks and resources after the deployment, in the configured account, with a private endpoint and an admin access entry', () => {
    expect(Object.values(variant.built.stacks).map((s) => s.stackName)).toEqual([
      'acme-dev-network',
      'acme-dev-data',
      'acme-dev-cluster',
      'acme-dev-edge',
      'acme-dev-schedule',
    ]);
    expect(variant.built.stacks.cluster.account).toBe('123456789012');
    const t = variant.template('cluster');
    t.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'acme-dev',
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::123456789012:role/platform-admins',
      AccessPolicies: [{ PolicyArn: Match.anyValue(), AccessScope: { Type: 'cluster' } }],
    });
    expect(JSON.stringify(resourcesOf(variant.json('cluster'), 'AWS::EKS::AccessEntry'))).toContain(
      ':cluster-access-policy/AmazonEKSClusterAdminPolicy',
    );
    variant.template('data').hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'acme-dev/database/master' });
  });
});

describe('EKS API endpoint', () => {
  const withCidrs = (cidrs: string) =>
    resolveConfig(
      'mvp-500',
      `cluster:\n  endpointAccess:\n    mode: public-and-private\n    publicCidrs: [${cidrs}]\n`,
    );
  const ekS1Reason = (config: ReturnType<typeof resolveConfig>): string | undefined => {
    const { app, stacks } = buildCoderPlatformApp(config, { outdir: mkdtempSync(path.join(tmpdir(), 'cdk-eks-')) });
    app.synth();
    return stacks.cluster.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map(
            (m) =>
              Object.entries(m.data as Record<string, string>).find(([id]) => id.endsWith('AwsSolutions-EKS1'))?.[1],
          ),
      )
      .find((r) => r !== undefined);
  };

  it('public-and-private takes only the configured CIDRs, keeps private access on, and the acknowledgement names them', () => {
    const config = withCidrs('203.0.113.0/24, 198.51.100.7/32');
    synthesize(config, { nag: false })
      .template('cluster')
      .hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({
          EndpointPrivateAccess: true,
          EndpointPublicAccess: true,
          PublicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
        }),
      });
    expect(ekS1Reason(config)).toMatch(/accepts only 203\.0\.113\.0\/24, 198\.51\.100\.7\/32/);
  });

  it("a world-open CIDR synthesizes only as the operator's explicit choice, and says so", () => {
    expect(ekS1Reason(withCidrs('0.0.0.0/0'))).toMatch(
      /open to every address \(0\.0\.0\.0\/0\) because the operator chose it/,
    );
  });

  it('the private default needs no acknowledgement', () => {
    expect(ekS1Reason(resolveConfig('mvp-500'))).toBeUndefined();
  });
});
