/**
 * Template assertions for both shapes against the numbers of ../shared/reference/seed-facts.md. Each shape is
 * synthesized once, with both cdk-nag packs (a synth with an unacknowledged finding throws).
 */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_KEYS, STACK_KINDS, type StackKind } from '../../src/deployment/outputs.js';
import { refId, resolveConfig, resourcesOf, synthesize, type Synthesized } from './synth.js';

const EXPECTED = {
  'mvp-500': {
    azs: ['us-east-1a', 'us-east-1b'],
    nat: 1,
    subnets: {
      public: ['10.0.0.0/20', '10.0.16.0/20'],
      private: ['10.0.32.0/19', '10.0.64.0/19'],
      database: ['10.0.96.0/21', '10.0.104.0/21'],
    } as Record<string, string[]>,
    controlTier: 'private',
    endpoints: ['ecr.api', 'ecr.dkr'],
    nodeGroups: {
      'coder-system': {
        types: ['m7i.large'],
        min: 2,
        desired: 2,
        max: 2,
        capacity: 'ON_DEMAND',
        label: 'control',
        taint: 'coder-system',
        volume: 50,
        update: { MaxUnavailable: 1 },
        autoscaled: false,
      },
      'coder-prov': {
        types: ['c7i.2xlarge'],
        min: 1,
        desired: 1,
        max: 2,
        capacity: 'ON_DEMAND',
        label: 'provisioner',
        taint: 'coder-prov',
        volume: 100,
        update: { MaxUnavailable: 1 },
        autoscaled: true,
      },
      'coder-ws': {
        types: ['m7i.12xlarge'],
        min: 2,
        desired: 2,
        max: 20,
        capacity: 'ON_DEMAND',
        label: 'workspace',
        taint: 'coder-ws',
        volume: 100,
        update: { MaxUnavailable: 1 },
        autoscaled: true,
      },
    } as Record<string, NodeGroupExpectation>,
    schedule: { 'coder-prov': { peak: 2, off: 1 }, 'coder-ws': { peak: 10, off: 2 } } as Record<
      string,
      { peak: number; off: number }
    >,
  },
  'scale-3000': {
    azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    nat: 3,
    subnets: {
      public: ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'],
      control: ['10.0.48.0/20', '10.0.64.0/20', '10.0.80.0/20'],
      provisioner: ['10.0.96.0/20', '10.0.112.0/20', '10.0.128.0/20'],
      workspace: ['10.0.144.0/20', '10.0.160.0/20', '10.0.176.0/20'],
      database: ['10.0.208.0/21', '10.0.216.0/21', '10.0.224.0/21'],
    } as Record<string, string[]>,
    controlTier: 'control',
    endpoints: [
      'ecr.api',
      'ecr.dkr',
      'sts',
      'secretsmanager',
      'logs',
      'monitoring',
      'ec2',
      'eks',
      'autoscaling',
      'elasticloadbalancing',
    ],
    nodeGroups: {
      'coder-control': {
        types: ['m5.large'],
        min: 2,
        desired: 2,
        max: 3,
        capacity: 'ON_DEMAND',
        label: 'control',
        taint: 'coder-control',
        volume: 50,
        update: { MaxUnavailable: 1 },
        autoscaled: false,
      },
      'coder-prov': {
        types: ['c5.2xlarge'],
        min: 0,
        desired: 0,
        max: 20,
        capacity: 'ON_DEMAND',
        label: 'provisioner',
        taint: 'coder-prov',
        volume: 100,
        update: { MaxUnavailablePercentage: 50 },
        autoscaled: true,
      },
      'coder-ws': {
        types: ['m5.2xlarge', 'm5a.2xlarge', 'm5n.2xlarge', 'm6i.2xlarge'],
        min: 10,
        desired: 10,
        max: 200,
        capacity: 'SPOT',
        label: 'workspace',
        taint: 'coder-ws',
        volume: 100,
        update: { MaxUnavailablePercentage: 25 },
        autoscaled: true,
      },
      'coder-ws-ondemand': {
        types: ['m5.2xlarge'],
        min: 0,
        desired: 0,
        max: 20,
        capacity: 'ON_DEMAND',
        label: 'workspace',
        taint: 'coder-ws',
        volume: 100,
        update: { MaxUnavailablePercentage: 25 },
        autoscaled: true,
      },
    } as Record<string, NodeGroupExpectation>,
    schedule: { 'coder-prov': { peak: 5, off: 0 }, 'coder-ws': { peak: 50, off: 10 } } as Record<
      string,
      { peak: number; off: number }
    >,
  },
} as const;

interface NodeGroupExpectation {
  types: string[];
  min: number;
  desired: number;
  max: number;
  capacity: string;
  label: string;
  taint: string;
  volume: number;
  update: Record<string, number>;
  autoscaled: boolean;
}

/** The deployment tag key the bundled EC2 templates put on everything they create (provider default_tags). */
function templateDeploymentTagKey(): string {
  const providers = readFileSync(new URL('../../assets/templates/shared/ec2/providers.tf', import.meta.url), 'utf8');
  const key = /"([^"]+)"\s*=\s*local\.composition\.settings\["deployment"\]/.exec(providers)?.[1];
  if (!key) throw new Error('providers.tf sets no deployment default tag');
  return key;
}

interface PolicyStatementJson {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function policyStatements(json: ReturnType<Synthesized['json']>, containing: string): PolicyStatementJson[] {
  const docs = resourcesOf(json, 'AWS::IAM::ManagedPolicy').map(
    ([, p]) => p.PolicyDocument as { Statement: PolicyStatementJson[] },
  );
  const doc = docs.find((d) => JSON.stringify(d).includes(containing));
  if (!doc) throw new Error(`no managed policy with ${containing}`);
  return doc.Statement;
}

const actionsOf = (s: PolicyStatementJson | undefined) => [s?.Action ?? []].flat().sort();

const synthesized: Partial<Record<keyof typeof EXPECTED, Synthesized>> = {};

beforeAll(() => {
  for (const shape of Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])
    synthesized[shape] = synthesize(resolveConfig(shape));
});

function get(shape: keyof typeof EXPECTED): Synthesized {
  const s = synthesized[shape];
  if (!s) throw new Error(`${shape} was not synthesized`);
  return s;
}

describe.each(Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])('%s', (shape) => {
  const expected = EXPECTED[shape];

  it('lays out exactly one subnet per tier and AZ with the configured CIDRs, in a 10.0.0.0/16 VPC', () => {
    const network = get(shape).json('network');
    get(shape).template('network').hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    const subnets = resourcesOf(network, 'AWS::EC2::Subnet');
    const byTier: Record<string, string[]> = {};
    for (const [, props] of subnets) {
      const tier =
        (props.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-name')?.Value ?? '?';
      const az = String(props.AvailabilityZone);
      (byTier[tier] ??= [])[(expected.azs as readonly string[]).indexOf(az)] = String(props.CidrBlock);
    }
    expect(byTier).toEqual(expected.subnets);
    for (const [, props] of subnets) expect(props.MapPublicIpOnLaunch).toBe(false);
  });

  it('routes node tiers through the NAT gateways per AZ and keeps the database tier isolated', () => {
    const network = get(shape).json('network');
    const nats = resourcesOf(network, 'AWS::EC2::NatGateway');
    expect(nats).toHaveLength(expected.nat);
    expect(resourcesOf(network, 'AWS::EC2::EIP')).toHaveLength(expected.nat);
    const subnetAz = Object.fromEntries(
      resourcesOf(network, 'AWS::EC2::Subnet').map(([id, p]) => [id, String(p.AvailabilityZone)]),
    );
    const subnetTier = Object.fromEntries(
      resourcesOf(network, 'AWS::EC2::Subnet').map(([id, p]) => [
        id,
        (p.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-name')?.Value,
      ]),
    );
    const natAz = Object.fromEntries(nats.map(([id, p]) => [id, subnetAz[refId(p.SubnetId) ?? '']]));
    const tableOfSubnet = Object.fromEntries(
      resourcesOf(network, 'AWS::EC2::SubnetRouteTableAssociation').map(([, p]) => [
        refId(p.SubnetId),
        refId(p.RouteTableId),
      ]),
    );
    const defaultRoutes = resourcesOf(network, 'AWS::EC2::Route').filter(
      ([, p]) => p.DestinationCidrBlock === '0.0.0.0/0',
    );
    for (const [subnetId, tier] of Object.entries(subnetTier)) {
      const route = defaultRoutes.find(([, p]) => refId(p.RouteTableId) === tableOfSubnet[subnetId]);
      if (tier === 'database') expect(route, `database subnet ${subnetId} must have no default route`).toBeUndefined();
      else if (tier === 'public') expect(refId(route?.[1].GatewayId)).toBeDefined();
      else {
        const natAzOfRoute = natAz[refId(route?.[1].NatGatewayId) ?? ''];
        expect(natAzOfRoute).toBe(expected.nat === 1 ? expected.azs[0] : subnetAz[subnetId]);
      }
    }
  });

  it('tags load-balancer subnets and creates the S3 gateway plus the profile endpoints in the control tier', () => {
    const network = get(shape).json('network');
    const subnets = resourcesOf(network, 'AWS::EC2::Subnet');
    for (const [id, props] of subnets) {
      const tags = Object.fromEntries((props.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
      const tier = tags['aws-cdk:subnet-name'];
      if (tier === 'public') expect(tags['kubernetes.io/role/elb'], id).toBe('1');
      else if (tier !== 'database') expect(tags['kubernetes.io/role/internal-elb'], id).toBe('1');
    }
    const endpoints = resourcesOf(network, 'AWS::EC2::VPCEndpoint');
    const gateway = endpoints.filter(([, p]) => p.VpcEndpointType === 'Gateway');
    expect(gateway).toHaveLength(1);
    expect(JSON.stringify(gateway[0]?.[1].ServiceName)).toContain('.s3');
    const interfaces = endpoints.filter(([, p]) => p.VpcEndpointType === 'Interface');
    expect(interfaces.map(([, p]) => String(p.ServiceName).replace('com.amazonaws.us-east-1.', '')).sort()).toEqual(
      [...expected.endpoints].sort(),
    );
    const controlSubnetIds = subnets
      .filter(([, p]) =>
        (p.Tags as { Key: string; Value: string }[]).some(
          (t) => t.Key === 'aws-cdk:subnet-name' && t.Value === expected.controlTier,
        ),
      )
      .map(([id]) => id)
      .sort();
    for (const [, p] of interfaces) expect((p.SubnetIds as unknown[]).map(refId).sort()).toEqual(controlSubnetIds);
    get(shape)
      .template('network')
      .hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'coder: interface VPC endpoints',
        SecurityGroupIngress: [
          Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
        ],
      });
  });

  it('sends ALL flow logs to CloudWatch Logs kept 90 days and restricts the default security group', () => {
    const t = get(shape).template('network');
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('declares every node group with exact types, sizes, capacity type, labels, NoSchedule taints and update config', () => {
    const cluster = get(shape).json('cluster');
    const groups = Object.fromEntries(
      resourcesOf(cluster, 'AWS::EKS::Nodegroup').map(([, p]) => [String(p.NodegroupName), p]),
    );
    expect(Object.keys(groups).sort()).toEqual(Object.keys(expected.nodeGroups).sort());
    const templates = Object.fromEntries(resourcesOf(cluster, 'AWS::EC2::LaunchTemplate').map(([id, p]) => [id, p]));
    for (const [name, want] of Object.entries(expected.nodeGroups)) {
      const group = groups[name];
      expect(group, name).toBeDefined();
      if (!group) continue;
      expect(group.InstanceTypes).toEqual(want.types);
      expect(group.ScalingConfig).toEqual({ MinSize: want.min, DesiredSize: want.desired, MaxSize: want.max });
      expect(group.CapacityType).toBe(want.capacity);
      expect((group.Labels as Record<string, string>)['coder.com/node-type']).toBe(want.label);
      expect(group.Taints).toEqual([{ Key: want.taint, Value: 'true', Effect: 'NO_SCHEDULE' }]);
      expect(group.UpdateConfig).toEqual(want.update);
      // Node-group tags never reach the ASG (aws/containers-roadmap#608): no autoscaler tags that would only pretend to
      expect(
        Object.keys((group.Tags as Record<string, string> | undefined) ?? {}).filter((k) =>
          k.startsWith('k8s.io/cluster-autoscaler'),
        ),
      ).toEqual([]);
      const lt = templates[refId((group.LaunchTemplate as { Id: unknown }).Id) ?? ''];
      const data = lt?.LaunchTemplateData as { MetadataOptions: unknown; BlockDeviceMappings: unknown };
      expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
      expect(data.BlockDeviceMappings).toEqual([
        {
          DeviceName: '/dev/xvda',
          Ebs: { VolumeSize: want.volume, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
        },
      ]);
    }
  });

  it('runs EKS 1.34 with KMS envelope encryption, all control-plane logs, no Auto Mode, and the five add-ons', () => {
    const t = get(shape).template('cluster');
    t.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'coder',
      Version: '1.34',
      EncryptionConfig: [{ Provider: { KeyArn: Match.anyValue() }, Resources: ['secrets'] }],
      Logging: {
        ClusterLogging: {
          EnabledTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((Type) => ({ Type })),
        },
      },
      ComputeConfig: { Enabled: false },
      // the profiles' default: private only (no world-open public endpoint)
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const addons = resourcesOf(get(shape).json('cluster'), 'AWS::EKS::Addon');
    expect(addons.map(([, p]) => p.AddonName).sort()).toEqual([
      'aws-ebs-csi-driver',
      'coredns',
      'eks-pod-identity-agent',
      'kube-proxy',
      'vpc-cni',
    ]);
    const controlTaint = Object.values(expected.nodeGroups).find((g) => g.label === 'control')?.taint;
    const toleration = { key: controlTaint, operator: 'Equal', value: 'true', effect: 'NoSchedule' };
    const config = (name: string) =>
      JSON.parse(String(addons.find(([, p]) => p.AddonName === name)?.[1].ConfigurationValues)) as Record<
        string,
        unknown
      >;
    expect(config('coredns').tolerations).toEqual([toleration]);
    expect((config('aws-ebs-csi-driver').controller as { tolerations: unknown }).tolerations).toEqual([toleration]);
    // PVC volumes carry the deployment tag, so day0 destroy finds the ones Kubernetes leaves behind
    expect((config('aws-ebs-csi-driver').controller as { extraVolumeTags: unknown }).extraVolumeTags).toEqual({
      [templateDeploymentTagKey()]: 'coder',
    });
    // the VPC CNI enforces NetworkPolicies only with this switch (a string in the add-on's schema)
    expect(config('vpc-cni')).toEqual({ enableNetworkPolicy: 'true' });
  });

  it('binds least-privilege pod-identity roles to coderd, provisioners, the LB controller and the cluster autoscaler', () => {
    const cluster = get(shape).json('cluster');
    const associations = resourcesOf(cluster, 'AWS::EKS::PodIdentityAssociation').map(
      ([, p]) => `${String(p.Namespace)}/${String(p.ServiceAccount)}`,
    );
    expect(associations.sort()).toEqual([
      'coder-prov/coder-provisioner',
      'coder/coder',
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
    ]);
    const policies = resourcesOf(cluster, 'AWS::IAM::ManagedPolicy').map(([, p]) => JSON.stringify(p.PolicyDocument));
    const lbc = policies.find((p) => p.includes('elasticloadbalancing:RegisterTargets'));
    expect(lbc).toContain('targetgroup/coder-coder/*');
    expect(lbc).not.toContain('CreateLoadBalancer');
    // The autoscaler may change only the provisioner and workspace groups' ASGs (EKS tags them with eks:nodegroup-name)
    const scale = policyStatements(cluster, 'autoscaling:SetDesiredCapacity').filter((st) =>
      actionsOf(st).some(
        (a) => a === 'autoscaling:SetDesiredCapacity' || a === 'autoscaling:TerminateInstanceInAutoScalingGroup',
      ),
    );
    expect(scale).toHaveLength(1);
    expect(actionsOf(scale[0])).toEqual([
      'autoscaling:SetDesiredCapacity',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
    ]);
    const autoscaled = Object.entries(expected.nodeGroups)
      .filter(([, g]) => g.autoscaled)
      .map(([name]) => name);
    expect(scale[0]?.Condition).toEqual({
      StringEquals: {
        'aws:ResourceTag/k8s.io/cluster-autoscaler/coder': 'owned',
        'aws:ResourceTag/eks:cluster-name': 'coder',
        'aws:ResourceTag/eks:nodegroup-name': autoscaled,
      },
    });
    const control = Object.entries(expected.nodeGroups).find(([, g]) => g.label === 'control')?.[0];
    expect(autoscaled).not.toContain(control);
    const provisioner = policies.find((p) => p.includes('ec2:RunInstances'));
    expect(provisioner).toContain('iam:PassedToService');
    const coderd = policies.find((p) => p.includes('secretsmanager:GetSecretValue'));
    expect(coderd).toContain('secret:coder/database/master-??????');
    expect(coderd).toContain('secret:coder/coder/*');
    expect(coderd).toContain('rds-db:connect');
    // kms:Decrypt only on the database key (by alias) and only through Secrets Manager
    const decrypt = policyStatements(cluster, 'secretsmanager:GetSecretValue').find((st) =>
      actionsOf(st).includes('kms:Decrypt'),
    );
    expect(decrypt?.Resource).not.toBe('*');
    expect(JSON.stringify(decrypt?.Resource)).toContain(':key/*');
    expect(decrypt?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/coder/database' },
    });
    get(shape).template('data').hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/coder/database' });
  });

  it('lets provisioners create exactly what the EC2 templates create, only with the tag key the templates set and under the deployment IAM path', () => {
    const key = templateDeploymentTagKey();
    const cluster = get(shape).json('cluster');
    const statements = policyStatements(cluster, 'ec2:RunInstances');
    const sid = (id: string) => statements.find((s) => s.Sid === id);
    const requestTag = { StringEquals: { [`aws:RequestTag/${key}`]: 'coder' } };
    const resourceTag = { [`aws:ResourceTag/${key}`]: 'coder' };
    // Creation needs the templates' tag: instances, volumes, security groups, roles and instance profiles
    expect(actionsOf(sid('CreateTagged'))).toEqual(['ec2:CreateSecurityGroup', 'ec2:CreateVolume', 'ec2:RunInstances']);
    expect(sid('CreateTagged')?.Condition).toEqual(requestTag);
    expect(actionsOf(sid('CreateWorkspaceRole'))).toEqual(['iam:CreateInstanceProfile', 'iam:CreateRole']);
    expect(sid('CreateWorkspaceRole')?.Condition).toEqual(requestTag);
    // No other statement lets them create instances, volumes, security groups or roles without that tag
    const createdKinds = /:(instance|volume|security-group|role|instance-profile)\//;
    for (const st of statements.filter((x) => !['CreateTagged', 'CreateWorkspaceRole'].includes(x.Sid ?? ''))) {
      if (
        !actionsOf(st).some((a) =>
          [
            'ec2:RunInstances',
            'ec2:CreateVolume',
            'ec2:CreateSecurityGroup',
            'iam:CreateRole',
            'iam:CreateInstanceProfile',
          ].includes(a),
        )
      )
        continue;
      const resources = JSON.stringify(st.Resource);
      if (createdKinds.test(resources) || resources === '"*"')
        expect(JSON.stringify(st.Condition), st.Sid).toContain(`Tag/${key}`);
    }
    expect(JSON.stringify(sid('RunInstancesInVpc')?.Condition)).toContain('ec2:Vpc');
    // Changes and deletions need it on the resource
    expect(actionsOf(sid('ManageOwned'))).toEqual(
      [
        'ec2:AttachVolume',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:DeleteSecurityGroup',
        'ec2:DeleteVolume',
        'ec2:DetachVolume',
        'ec2:ModifyInstanceAttribute',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:StartInstances',
        'ec2:StopInstances',
        'ec2:TerminateInstances',
      ].sort(),
    );
    expect(sid('ManageOwned')?.Condition).toEqual({ StringEquals: resourceTag });
    expect(sid('RetagOwned')?.Condition).toEqual({
      StringEquals: resourceTag,
      'ForAllValues:StringNotEquals': { 'aws:TagKeys': [key] },
    });
    // Every tag condition in the policy uses the templates' key
    for (const s of statements)
      for (const cond of Object.values(s.Condition ?? {}))
        for (const k of Object.keys(cond))
          if (/Tag\//.test(k)) expect(k, s.Sid).toMatch(new RegExp(`Tag/${key.replace(/[/.]/g, '\\$&')}$`));
    // Roles and profiles: only under /coder-platform/<deployment>/, which is where the templates create them
    const rolePath = '/coder-platform/coder/';
    for (const id of ['CreateWorkspaceRole', 'ManageWorkspaceRoles', 'AttachSsmOnly', 'PassWorkspaceRole']) {
      const resources = JSON.stringify(sid(id)?.Resource);
      expect(resources, id).toContain(`:role${rolePath}*`);
      expect(
        resources.replace(/:role\/coder-platform\/coder\/\*|:instance-profile\/coder-platform\/coder\/\*/g, ''),
        id,
      ).not.toMatch(/:(role|instance-profile)\/[^"]*\*/);
    }
    expect(sid('AttachSsmOnly')?.Condition).toEqual({
      ArnEquals: {
        'iam:PolicyARN': {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']],
        },
      },
    });
    const commonTf = readFileSync(new URL('../../assets/templates/shared/ec2/common.tf', import.meta.url), 'utf8');
    for (const resource of ['aws_iam_role', 'aws_iam_instance_profile']) {
      const block = commonTf.split('\nresource ').find((b) => b.startsWith(`"${resource}" "workspace"`)) ?? '';
      expect(block, resource).toMatch(/\n\s*path\s*=\s*"\/coder-platform\/\$\{var\.settings\["deployment"\]\}\/"/);
    }
    // Node instances and volumes carry the same key (launch templates), so one tag finds everything of the deployment
    for (const [, lt] of resourcesOf(cluster, 'AWS::EC2::LaunchTemplate')) {
      const specs = (
        lt.LaunchTemplateData as {
          TagSpecifications: { ResourceType: string; Tags: { Key: string; Value: string }[] }[];
        }
      ).TagSpecifications;
      for (const spec of specs) expect(spec.Tags, spec.ResourceType).toContainEqual({ Key: key, Value: 'coder' });
    }
  });

  it('spreads the NLB over exactly the public subnets, one per AZ', () => {
    const publicSubnets = resourcesOf(get(shape).json('network'), 'AWS::EC2::Subnet')
      .filter(([, p]) =>
        (p.Tags as { Key: string; Value: string }[]).some(
          (t) => t.Key === 'aws-cdk:subnet-name' && t.Value === 'public',
        ),
      )
      .map(([id]) => id);
    expect(publicSubnets).toHaveLength(expected.azs.length);
    const [lb] = resourcesOf(get(shape).json('edge'), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const imports = (lb?.[1].Subnets as { 'Fn::ImportValue': string }[]).map((s) => s['Fn::ImportValue']);
    expect(imports).toHaveLength(expected.azs.length);
    for (const id of publicSubnets)
      expect(
        imports.filter((i) => i.includes(`ExportsOutputRef${id}`)),
        id,
      ).toHaveLength(1);
  });

  it('opens the node security group only to itself and coderd 8080 from the VPC: no world-open rule', () => {
    const network = get(shape).json('network');
    const [nodeSgId, nodeSg] =
      resourcesOf(network, 'AWS::EC2::SecurityGroup').find(([, p]) =>
        String(p.GroupDescription).endsWith('EKS control plane and nodes'),
      ) ?? [];
    expect(nodeSgId).toBeDefined();
    const inline = ((nodeSg?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []).map(
      (r): Record<string, unknown> => ({ ...r, GroupId: { 'Fn::GetAtt': [nodeSgId, 'GroupId'] } }),
    );
    const separate = resourcesOf(network, 'AWS::EC2::SecurityGroupIngress')
      .map(([, p]) => p)
      .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [nodeSgId, 'GroupId'] }));
    const rules = [...inline, ...separate].map((r) => ({
      protocol: String(r.IpProtocol),
      from: r.FromPort,
      to: r.ToPort,
      source:
        r.CidrIp ??
        (JSON.stringify(r.SourceSecurityGroupId) === JSON.stringify({ 'Fn::GetAtt': [nodeSgId, 'GroupId'] })
          ? 'self'
          : JSON.stringify(r.SourceSecurityGroupId)),
    }));
    expect(rules.sort((a, b) => String(a.from).localeCompare(String(b.from)))).toEqual(
      [
        { protocol: '-1', from: undefined, to: undefined, source: 'self' },
        { protocol: 'tcp', from: 8080, to: 8080, source: '10.0.0.0/16' },
      ].sort((a, b) => String(a.from).localeCompare(String(b.from))),
    );
    const ingress = [
      ...resourcesOf(network, 'AWS::EC2::SecurityGroup').flatMap(
        ([, p]) => (p.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? [],
      ),
      ...resourcesOf(network, 'AWS::EC2::SecurityGroupIngress').map(([, p]) => p),
    ];
    expect(ingress.filter((r) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0')).toEqual([]);
  });

  it('binds the EBS CSI controller to its role through the add-on pod identity association', () => {
    const cluster = get(shape).json('cluster');
    const [, ebs] = resourcesOf(cluster, 'AWS::EKS::Addon').find(([, p]) => p.AddonName === 'aws-ebs-csi-driver') ?? [];
    const associations = ebs?.PodIdentityAssociations as {
      RoleArn: { 'Fn::GetAtt': [string, string] };
      ServiceAccount: string;
    }[];
    expect(associations).toHaveLength(1);
    expect(associations[0]?.ServiceAccount).toBe('ebs-csi-controller-sa');
    const roleId = associations[0]?.RoleArn['Fn::GetAtt'][0] ?? '';
    const role = cluster.Resources[roleId];
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(JSON.stringify(role?.Properties?.AssumeRolePolicyDocument)).toContain('pods.eks.amazonaws.com');
    expect(JSON.stringify(role?.Properties?.ManagedPolicyArns)).toContain(
      ':iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
    );
  });

  it('tags every taggable resource of every stack with Project, Environment, ManagedBy and Shape', () => {
    const want = { Project: 'coder', Environment: 'production', ManagedBy: 'coder-platform', Shape: shape };
    const kinds: (StackKind | 'dr')[] = [...STACK_KINDS, ...(get(shape).built.drStack ? (['dr'] as const) : [])];
    let checked = 0;
    for (const kind of kinds) {
      for (const [id, resource] of Object.entries(get(shape).json(kind).Resources)) {
        const tags = resource.Properties?.Tags;
        if (tags === undefined) continue;
        const map = Array.isArray(tags)
          ? Object.fromEntries((tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]))
          : (tags as Record<string, string>);
        expect(map, `${kind}/${id} (${resource.Type})`).toMatchObject(want);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('puts the NLB in the public subnets with only TLS 443 (TLS13-1-2-Res-2021-06) and the /healthz IP target group: no UDP 3478 without a backend', () => {
    const t = get(shape).template('edge');
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
      Subnets: Match.arrayWith([{ 'Fn::ImportValue': Match.stringLikeRegexp('publicSubnet') }]),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
    });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'TCP',
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: '/healthz',
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 10,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'coder.example.com',
      SubjectAlternativeNames: ['*.coder.example.com'],
      ValidationMethod: 'DNS',
    });
    for (const name of ['coder.example.com.', '*.coder.example.com.']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: name,
        Type: 'A',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
    }
  });

  it('schedules 06:45 scale-up (min := peak) and 18:15 scale-down (min := offHours) Mon–Fri in America/New_York through the scaling state machine', () => {
    const json = get(shape).json('schedule');
    const schedules = resourcesOf(json, 'AWS::Scheduler::Schedule');
    const [machineId] = resourcesOf(json, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
    expect(schedules).toHaveLength(Object.keys(expected.schedule).length * 2);
    for (const [group, counts] of Object.entries(expected.schedule)) {
      const input = (expression: string) => {
        const found = schedules.find(
          ([, p]) =>
            p.ScheduleExpression === expression &&
            JSON.parse(String((p.Target as { Input: string }).Input)).NodegroupName === group,
        );
        expect(found, `${group} ${expression}`).toBeDefined();
        expect(found?.[1]).toMatchObject({
          ScheduleExpressionTimezone: 'America/New_York',
          State: 'ENABLED',
          Target: { Arn: { Ref: machineId } },
        });
        return JSON.parse(String((found?.[1].Target as { Input: string }).Input)) as unknown;
      };
      expect(input('cron(45 6 ? * MON-FRI *)')).toEqual({
        ClusterName: 'coder',
        NodegroupName: group,
        MinSize: counts.peak,
      });
      expect(input('cron(15 18 ? * MON-FRI *)')).toEqual({
        ClusterName: 'coder',
        NodegroupName: group,
        MinSize: counts.off,
      });
    }
    get(shape)
      .template('schedule')
      .hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: [Match.objectLike({ Action: 'states:StartExecution', Resource: { Ref: machineId } })],
        },
      });
    get(shape)
      .template('schedule')
      .hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
  });

  it('emits exactly the output keys Day 1 and Day 2 read, and tags every stack', () => {
    for (const kind of STACK_KINDS) {
      expect(
        Object.keys(get(shape).json(kind).Outputs ?? {})
          .filter((k) => !k.startsWith('Exports'))
          .sort(),
        kind,
      ).toEqual(Object.values(OUTPUT_KEYS[kind as StackKind]).sort());
    }
    get(shape)
      .template('network')
      .hasResourceProperties('AWS::EC2::VPC', {
        Tags: Match.arrayWith([
          { Key: 'Environment', Value: 'production' },
          { Key: 'ManagedBy', Value: 'coder-platform' },
          { Key: 'Project', Value: 'coder' },
          { Key: 'Shape', Value: shape },
        ]),
      });
  });

  it('orders the stacks: data and cluster after network, edge after cluster, schedule after cluster', () => {
    const { built, assembly } = get(shape);
    const deps = (kind: StackKind) =>
      assembly.getStackArtifact(built.stacks[kind].artifactId).dependencies.map((d) => d.id);
    expect(deps('data')).toContain(built.stacks.network.artifactId);
    expect(deps('cluster')).toContain(built.stacks.network.artifactId);
    expect(deps('edge')).toEqual(
      expect.arrayContaining([built.stacks.network.artifactId, built.stacks.cluster.artifactId]),
    );
    expect(deps('schedule')).toContain(built.stacks.cluster.artifactId);
    expect(deps('cluster')).not.toContain(built.stacks.data.artifactId);
  });
});

describe('database', () => {
  it('mvp-500: RDS PostgreSQL 15 Multi-AZ db.m7i.large, 100 GiB gp3 encrypted with a rotating customer key, 7-day PITR', () => {
    const t = get('mvp-500').template('data');
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '15',
      DBInstanceClass: 'db.m7i.large',
      MultiAZ: true,
      AllocatedStorage: '100',
      StorageType: 'gp3',
      StorageEncrypted: true,
      KmsKeyId: Match.anyValue(),
      PubliclyAccessible: false,
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
      MasterUsername: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' },
    });
    t.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: Match.objectLike({ PreferredBackupWindow: '03:00-04:00' }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'coder/database/master',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"coder"}' }),
    });
  });

  it('scale-3000: Aurora PostgreSQL 16.6 Serverless v2 0.5–16 ACU, writer + 2 readers, 35-day PITR, force_ssl', () => {
    const t = get('scale-3000').template('data');
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      StorageEncrypted: true,
      KmsKeyId: Match.anyValue(),
      BackupRetentionPeriod: 35,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
    });
    // Deleting the stack (day0 destroy) leaves a final cluster snapshot; backups run 03:00–04:00 UTC (seed-facts §6)
    t.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: Match.objectLike({ PreferredBackupWindow: '03:00-04:00' }),
    });
    t.resourceCountIs('AWS::RDS::DBInstance', 3);
    t.allResourcesProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
      PubliclyAccessible: false,
    });
    const placement = resourcesOf(get('scale-3000').json('data'), 'AWS::RDS::DBInstance').map(
      ([, p]) => `${String(p.DBInstanceIdentifier)}@${String(p.AvailabilityZone)}`,
    );
    expect(placement.sort()).toEqual([
      'coder-reader-1@us-east-1b',
      'coder-reader-2@us-east-1c',
      'coder-writer@us-east-1a',
    ]);
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' },
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"coder_admin"}' }),
    });
  });

  it('opens 5432 only from the node security group', () => {
    for (const shape of ['mvp-500', 'scale-3000'] as const) {
      const ingress = resourcesOf(get(shape).json('data'), 'AWS::EC2::SecurityGroupIngress');
      expect(ingress).toHaveLength(1);
      expect(ingress[0]?.[1]).toMatchObject({
        FromPort: 5432,
        ToPort: 5432,
        IpProtocol: 'tcp',
        SourceSecurityGroupId: { 'Fn::ImportValue': expect.stringContaining('NodeSecurityGroup') },
      });
    }
  });

  it('keeps daily AWS Backup snapshots 90 days; scale-3000 copies them to a DR vault created in us-west-2', () => {
    get('mvp-500')
      .template('data')
      .hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanName: 'coder-database',
          BackupPlanRule: [
            Match.objectLike({
              ScheduleExpression: 'cron(0 5 * * ? *)',
              Lifecycle: { DeleteAfterDays: 90 },
              CopyActions: Match.absent(),
            }),
          ],
        },
      });
    expect(get('mvp-500').built.drStack).toBeUndefined();
    get('scale-3000')
      .template('data')
      .hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanName: 'coder-database',
          BackupPlanRule: [
            Match.objectLike({
              ScheduleExpression: 'cron(0 5 * * ? *)',
              Lifecycle: { DeleteAfterDays: 90 },
              CopyActions: [
                {
                  DestinationBackupVaultArn: {
                    'Fn::Join': [
                      '',
                      ['arn:', { Ref: 'AWS::Partition' }, ':backup:us-west-2:111111111111:backup-vault:coder-dr'],
                    ],
                  },
                  Lifecycle: { DeleteAfterDays: 90 },
                },
              ],
            }),
          ],
        },
      });
    const dr = get('scale-3000').built.drStack;
    expect(dr?.region).toBe('us-west-2');
    get('scale-3000').template('dr').hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'coder-dr',
      EncryptionKeyArn: Match.anyValue(),
    });
    get('scale-3000').template('dr').hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});
