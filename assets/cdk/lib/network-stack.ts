/**
 * Network: the VPC with exactly the configured subnets (one per tier and AZ), NAT gateways, routes, the S3
 * gateway endpoint and the interface endpoints, VPC flow logs, and the node security group the cluster, the
 * database and the load balancer refer to (created here so data and cluster can deploy concurrently).
 */
import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { availabilityZones, type CoderPlatformConfig } from '../../../src/config/schema.js';
import { OUTPUT_KEYS } from '../../../src/deployment/outputs.js';
import { AccountTrail } from './audit.js';
import { acknowledge, controlTier, nodeTiers } from './common.js';

export interface NetworkStackProps extends StackProps {
  config: CoderPlatformConfig;
}

export interface TierSubnet {
  subnet: ec2.ISubnet;
  az: string;
  cidr: string;
}

/** Hands ec2.Vpc exactly the configured CIDRs instead of carving them sequentially. */
export class ConfiguredIpAddresses implements ec2.IIpAddresses {
  constructor(
    private readonly vpcCidr: string,
    private readonly subnets: Record<string, string[]>,
    private readonly azs: string[],
  ) {}

  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.vpcCidr };
  }

  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    return {
      allocatedSubnets: input.requestedSubnets.map((request) => {
        const tier = request.configuration.name;
        const cidr = this.subnets[tier]?.[this.azs.indexOf(request.availabilityZone)];
        if (!cidr) throw new Error(`network.subnets.${tier} has no CIDR for ${request.availabilityZone}`);
        return { cidr };
      }),
    };
  }
}

export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** Tier → subnets in AZ order. */
  readonly subnets: Record<string, TierSubnet[]>;
  /** Shared by the EKS control plane ENIs and every node: the source the database and endpoints allow. */
  readonly nodeSecurityGroup: ec2.SecurityGroup;
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    const name = config.deployment.name;
    const azs = availabilityZones(config);
    const tiers = Object.keys(config.network.subnets);
    const nodeTierNames = nodeTiers(config);

    for (const tier of tiers) {
      const count = config.network.subnets[tier]?.length ?? 0;
      if (count < azs.length) throw new Error(`network.subnets.${tier} has ${count} CIDRs for ${azs.length} AZs`);
    }
    const subnetType = (tier: string) =>
      tier === 'public'
        ? ec2.SubnetType.PUBLIC
        : tier === 'database'
          ? ec2.SubnetType.PRIVATE_ISOLATED
          : ec2.SubnetType.PRIVATE_WITH_EGRESS;

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: `/coder-platform/${name}/vpc-flow-logs`,
      retention: config.network.flowLogRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.flowLogGroup,
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Flow-log records hold only addresses and ports; CloudWatch Logs encrypts them at rest with AWS-owned keys.',
    );

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: name,
      ipAddresses: new ConfiguredIpAddresses(config.network.vpcCidr, config.network.subnets, azs),
      availabilityZones: azs,
      natGateways: config.network.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: tiers.map((tier) => ({
        name: tier,
        subnetType: subnetType(tier),
        cidrMask: Number.parseInt((config.network.subnets[tier]?.[0] ?? '/20').split('/')[1] ?? '20', 10),
        mapPublicIpOnLaunch: tier === 'public' ? false : undefined,
      })),
      gatewayEndpoints: {
        S3: {
          service: ec2.GatewayVpcEndpointAwsService.S3,
          subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
        },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    acknowledge(
      this.vpc.node.findChild('All'),
      'NIST.800.53.R5-IAMNoInlinePolicy',
      'The flow-log delivery role created by ec2.FlowLog carries one inline policy limited to writing this log group.',
    );

    this.subnets = Object.fromEntries(
      tiers.map((tier) => [
        tier,
        this.vpc.selectSubnets({ subnetGroupName: tier }).subnets.map((subnet, index) => ({
          subnet,
          az: azs[index] ?? subnet.availabilityZone,
          cidr: config.network.subnets[tier]?.[index] ?? subnet.ipv4CidrBlock,
        })),
      ]),
    );
    for (const { subnet } of this.subnets.public ?? []) {
      Tags.of(subnet).add('kubernetes.io/role/elb', '1');
      acknowledge(
        subnet,
        'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
        'The public tier hosts only the internet-facing NLB and the NAT gateways, which need a default route to the internet gateway; nodes and the database live in private tiers without it.',
      );
    }
    for (const tier of nodeTierNames)
      for (const { subnet } of this.subnets[tier] ?? []) Tags.of(subnet).add('kubernetes.io/role/internal-elb', '1');

    // Node security group: control plane ENIs and nodes; inter-node and control-plane traffic via self-reference.
    this.nodeSecurityGroup = new ec2.SecurityGroup(this, 'NodeSecurityGroup', {
      vpc: this.vpc,
      description: `${name}: EKS control plane and nodes`,
      allowAllOutbound: true,
    });
    this.nodeSecurityGroup.addIngressRule(
      this.nodeSecurityGroup,
      ec2.Port.allTraffic(),
      'Nodes and the control plane talk to each other',
    );
    this.nodeSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(config.network.vpcCidr),
      ec2.Port.tcp(8080),
      'coderd from the NLB (TLS ends at the NLB; health checks)',
    );
    acknowledge(
      this.nodeSecurityGroup,
      'NIST.800.53.R5-EC2RestrictedCommonPorts',
      'The only all-traffic rule is self-referencing (nodes and the EKS control plane ENIs in this group); no common port is open to an address range.',
    );

    // Endpoints.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: `${name}: interface VPC endpoints`,
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(config.network.vpcCidr),
      ec2.Port.tcp(443),
      'HTTPS from inside the VPC',
    );
    const endpointSubnets = (this.subnets[controlTier(config)] ?? []).map((s) => s.subnet.subnetId);
    for (const service of config.network.interfaceEndpoints) {
      new ec2.CfnVPCEndpoint(this, `Endpoint-${service}`, {
        vpcId: this.vpc.vpcId,
        serviceName: `com.amazonaws.${this.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: endpointSubnets,
        securityGroupIds: [endpointSecurityGroup.securityGroupId],
      });
    }

    // The account's CloudTrail trail (audit.cloudTrail: create); none when an existing trail covers the account.
    if (config.audit.cloudTrail === 'create') new AccountTrail(this, 'Audit', config);

    new CfnOutput(this, OUTPUT_KEYS.network.vpcId, { value: this.vpc.vpcId });
    new CfnOutput(this, OUTPUT_KEYS.network.subnetIds, {
      value: tiers
        .map((tier) => `${tier}=${(this.subnets[tier] ?? []).map((s) => s.subnet.subnetId).join(',')}`)
        .join(';'),
    });
    new CfnOutput(this, OUTPUT_KEYS.network.flowLogGroupName, { value: this.flowLogGroup.logGroupName });
  }
}
