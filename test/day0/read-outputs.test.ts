import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readDeploymentOutputs } from '../../src/cdk/read-outputs.js';
import { UserError } from '../../src/errors.js';
import { notFound } from './fakes.js';

const cfn = mockClient(CloudFormationClient);
const stack = (name: string, outputs: Record<string, string>, status = 'CREATE_COMPLETE') => ({
  Stacks: [
    {
      StackName: name,
      StackStatus: status as 'CREATE_COMPLETE',
      CreationTime: new Date(),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

const NETWORK = {
  VpcId: 'vpc-0abc',
  SubnetIds: 'public=subnet-1,subnet-2;private=subnet-3,subnet-4;database=subnet-5,subnet-6',
  FlowLogGroupName: '/acme/flow',
};
const DATA = {
  DbEngine: 'aurora-serverless-v2',
  DbClusterIdentifier: 'acme-db',
  DbInstanceIdentifier: 'acme-db-writer',
  DbWriterEndpoint: 'acme-db.cluster-x.us-east-1.rds.amazonaws.com',
  DbPort: '5432',
  DbSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acme/database/master-AbCdEf',
  DbSubnetGroupName: 'acme-db-subnets',
  DbSecurityGroupId: 'sg-db',
  DbKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
  BackupVaultName: 'acme-vault',
  BackupPlanId: 'plan-1',
};
const CLUSTER = {
  ClusterName: 'acme',
  ClusterEndpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
  ClusterArn: 'arn:aws:eks:us-east-1:123456789012:cluster/acme',
  ClusterSecurityGroupId: 'sg-cluster',
  ClusterCertificateAuthority: 'LS0t',
  NodeGroupNames: 'coder-control=acme-control-ng,coder-ws=acme-ws-ng',
  SecretsKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/s',
  CoderdRoleArn: 'arn:aws:iam::123456789012:role/coderd',
  ProvisionerRoleArn: 'arn:aws:iam::123456789012:role/prov',
  EbsCsiRoleArn: 'arn:aws:iam::123456789012:role/ebs',
  LoadBalancerControllerRoleArn: 'arn:aws:iam::123456789012:role/lbc',
  ClusterAutoscalerRoleArn: 'arn:aws:iam::123456789012:role/ca',
};
const EDGE = {
  CoderTargetGroupArn: 'arn:tg',
  LoadBalancerArn: 'arn:lb',
  LoadBalancerDnsName: 'acme-nlb.elb.amazonaws.com',
  CertificateArn: 'arn:cert',
  HostedZoneId: 'Z123',
  AccessUrl: 'https://coder.example.com',
  WildcardAccessUrl: '*.coder.example.com',
};

beforeEach(() => {
  cfn.reset();
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => Promise.reject(notFound(input.StackName)));
  cfn.on(DescribeStacksCommand, { StackName: 'acme-network' }).resolves(stack('acme-network', NETWORK));
  cfn.on(DescribeStacksCommand, { StackName: 'acme-data' }).resolves(stack('acme-data', DATA));
  cfn
    .on(DescribeStacksCommand, { StackName: 'acme-cluster' })
    .resolves(stack('acme-cluster', CLUSTER, 'UPDATE_COMPLETE'));
  cfn.on(DescribeStacksCommand, { StackName: 'acme-edge' }).resolves(stack('acme-edge', EDGE));
});

describe('readDeploymentOutputs', () => {
  it('parses every stack’s outputs into DeploymentOutputs', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'acme-schedule' }).resolves(
      stack('acme-schedule', {
        ScheduleGroupName: 'acme-schedules',
        SchedulerRoleArn: 'arn:aws:iam::123456789012:role/sched',
        ScheduleNames: 'coder-ws:up=a;down=b',
      }),
    );
    const out = await readDeploymentOutputs(new CloudFormationClient({ region: 'us-east-1' }), 'acme');
    expect(out.vpcId).toBe('vpc-0abc');
    expect(out.subnetIds).toEqual({
      public: ['subnet-1', 'subnet-2'],
      private: ['subnet-3', 'subnet-4'],
      database: ['subnet-5', 'subnet-6'],
    });
    expect(out.database).toMatchObject({
      engine: 'aurora-serverless-v2',
      clusterIdentifier: 'acme-db',
      instanceIdentifier: 'acme-db-writer',
      port: 5432,
      backupVaultName: 'acme-vault',
    });
    expect(out.cluster.nodeGroupNames).toEqual({ 'coder-control': 'acme-control-ng', 'coder-ws': 'acme-ws-ng' });
    expect(out.cluster.roles.loadBalancerController).toBe('arn:aws:iam::123456789012:role/lbc');
    expect(out.edge).toMatchObject({
      targetGroupArn: 'arn:tg',
      accessUrl: 'https://coder.example.com',
      hostedZoneId: 'Z123',
    });
    expect(out.schedule).toEqual({
      scheduleGroupName: 'acme-schedules',
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/sched',
    });
  });

  it('a missing stack tells the operator to run day0 deploy', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'acme-edge' }).rejects(notFound('acme-edge'));
    const error = await readDeploymentOutputs(new CloudFormationClient({ region: 'us-east-1' }), 'acme').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('acme-edge');
    expect((error as UserError).nextSteps.join(' ')).toContain('coder-platform day0 deploy');
  });

  it('a stack in ROLLBACK_COMPLETE is not read as deployed', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'acme-data' }).resolves(stack('acme-data', {}, 'ROLLBACK_COMPLETE'));
    await expect(readDeploymentOutputs(new CloudFormationClient({ region: 'us-east-1' }), 'acme')).rejects.toThrow(
      /acme-data is ROLLBACK_COMPLETE/,
    );
  });
});
