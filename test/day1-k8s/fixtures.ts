import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../src/config/load.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import type { DeploymentOutputs } from '../../src/deployment/outputs.js';
import { upstreamPath } from '../upstream.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = (chart: 'coder' | 'provisioner') =>
  upstreamPath(chart === 'coder' ? 'coderChart' : 'provisionerChart');
export const chartTestdata = (chart: 'coder' | 'provisioner') =>
  upstreamPath(chart === 'coder' ? 'coderTestdata' : 'provisionerTestdata');

export function testConfig(profile: 'mvp-500' | 'scale-3000', extra = ''): CoderPlatformConfig {
  return parseConfigText(
    `apiVersion: coder-platform/v1\nprofile: ${profile}\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n${extra}`,
    'coder-platform.yaml',
  );
}

export const OIDC = `  oidc:\n    issuerUrl: https://idp.example.com\n    clientId: coder-client\n    clientSecret: coder/oidc-client-secret\n    roleField: roles\n    emailDomains: [example.com]\n`;

export function testOutputs(overrides: Partial<DeploymentOutputs> = {}): DeploymentOutputs {
  return {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: { private: ['subnet-a', 'subnet-b'] },
    database: {
      engine: 'aurora-serverless-v2',
      clusterIdentifier: 'coder-db',
      instanceIdentifier: 'coder-db-writer',
      writerEndpoint: 'coder-db.cluster-abc.us-east-1.rds.amazonaws.com',
      port: 5432,
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:coder-db-AbCdEf',
      subnetGroupName: 'coder-db',
      securityGroupId: 'sg-db',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1',
    },
    cluster: {
      name: 'coder-eks',
      endpoint: 'https://ABCDEF.gr7.us-east-1.eks.amazonaws.com',
      arn: 'arn:aws:eks:us-east-1:123456789012:cluster/coder-eks',
      securityGroupId: 'sg-cluster',
      certificateAuthority: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
        'base64',
      ),
      nodeGroupNames: {
        'coder-control': 'coder-control-ng',
        'coder-prov': 'coder-prov-ng',
        'coder-ws': 'coder-ws-spot-ng',
        'coder-ws-ondemand': 'coder-ws-od-ng',
      },
      roles: {
        coderd: 'arn:r1',
        provisioner: 'arn:r2',
        ebsCsi: 'arn:r3',
        loadBalancerController: 'arn:r4',
        clusterAutoscaler: 'arn:r5',
      },
    },
    edge: {
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder/abc',
      loadBalancerDnsName: 'coder-nlb.elb.amazonaws.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      accessUrl: 'https://coder.example.com',
      wildcardAccessUrl: '*.coder.example.com',
    },
    ...overrides,
  };
}
