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
import { acknowledge, controlTier, nodeTiers } from './common.js';

export interface NetworkStackProps extends StackProps {
  config: CoderPlatformConfig;
}

export interface TierSubnet {
  subnet: ec2.ISubnet;
  cfn: ec2.CfnSubnet;
  az: string;
  cidr: string;
}

export class NetworkStack extends Stack {
  readonly vpc: ec2.IVpc;
  readonly cfnVpc: ec2.CfnVPC;
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

    this.cfnVpc = new ec2.CfnVPC(this, 'Vpc', {
      cidrBlock: config.network.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: [{ key: 'Name', value: name }],
    });
    const igw = new ec2.CfnInternetGateway(this, 'InternetGateway', { tags: [{ key: 'Name', value: name }] });
    const igwAttachment = new ec2.CfnVPCGatewayAttachment(this, 'InternetGatewayAttachment', { vpcId: this.cfnVpc.ref, internetGatewayId: igw.ref });

    // Subnets: exactly the configured CIDRs, one per tier and AZ.
    const cfnSubnets: Record<string, { cfn: ec2.CfnSubnet; az: string; cidr: string }[]> = {};
    for (const tier of tiers) {
      const cidrs = config.network.subnets[tier] ?? [];
      cfnSubnets[tier] = azs.map((az, index) => {
        const cidr = cidrs[index];
        if (!cidr) throw new Error(`network.subnets.${tier} has no CIDR for ${az} (AZ ${index + 1} of ${azs.length})`);
        const subnet = new ec2.CfnSubnet(this, `Subnet-${tier}-${az}`, {
          vpcId: this.cfnVpc.ref,
          cidrBlock: cidr,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: [
            { key: 'Name', value: `${name}-${tier}-${az}` },
            { key: 'coder-platform:tier', value: tier },
          ],
        });
        if (tier === 'public') Tags.of(subnet).add('kubernetes.io/role/elb', '1');
        if (nodeTierNames.includes(tier)) Tags.of(subnet).add('kubernetes.io/role/internal-elb', '1');
        return { cfn: subnet, az, cidr };
      });
    }

    // Public routing: one table, default route to the internet gateway.
    const publicRouteTable = new ec2.CfnRouteTable(this, 'PublicRouteTable', { vpcId: this.cfnVpc.ref, tags: [{ key: 'Name', value: `${name}-public` }] });
    const publicRoute = new ec2.CfnRoute(this, 'PublicDefaultRoute', { routeTableId: publicRouteTable.ref, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.ref });
    publicRoute.addResourceDependency(igwAttachment);
    acknowledge(publicRoute, 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', 'The public tier hosts only the internet-facing NLB and the NAT gateways, which need a default route to the internet gateway; nodes and the database live in private tiers without it.');
    const publicSubnets = cfnSubnets.public ?? [];
    publicSubnets.forEach((s) => new ec2.CfnSubnetRouteTableAssociation(this, `PublicAssoc-${s.az}`, { subnetId: s.cfn.ref, routeTableId: publicRouteTable.ref }));

    // NAT gateways in the first natGateways public subnets.
    const nats = publicSubnets.slice(0, config.network.natGateways).map((s) => {
      const eip = new ec2.CfnEIP(this, `NatEip-${s.az}`, { domain: 'vpc', tags: [{ key: 'Name', value: `${name}-nat-${s.az}` }] });
      eip.addResourceDependency(igwAttachment);
      return new ec2.CfnNatGateway(this, `Nat-${s.az}`, { subnetId: s.cfn.ref, allocationId: eip.attrAllocationId, tags: [{ key: 'Name', value: `${name}-${s.az}` }] });
    });

    // Private routing: one table per AZ shared by the node tiers, default route to that AZ's NAT (or the only one).
    const privateRouteTables = azs.map((az, index) => {
      const table = new ec2.CfnRouteTable(this, `PrivateRouteTable-${az}`, { vpcId: this.cfnVpc.ref, tags: [{ key: 'Name', value: `${name}-private-${az}` }] });
      const nat = nats[index % nats.length];
      if (!nat) throw new Error('network.natGateways must be at least 1');
      new ec2.CfnRoute(this, `PrivateDefaultRoute-${az}`, { routeTableId: table.ref, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.ref });
      return table;
    });
    for (const tier of nodeTierNames) {
      (cfnSubnets[tier] ?? []).forEach((s, index) => {
        const table = privateRouteTables[index];
        if (table) new ec2.CfnSubnetRouteTableAssociation(this, `Assoc-${tier}-${s.az}`, { subnetId: s.cfn.ref, routeTableId: table.ref });
      });
    }
    // Database tier: isolated, local routes only.
    const databaseRouteTable = new ec2.CfnRouteTable(this, 'DatabaseRouteTable', { vpcId: this.cfnVpc.ref, tags: [{ key: 'Name', value: `${name}-database` }] });
    (cfnSubnets.database ?? []).forEach((s) => new ec2.CfnSubnetRouteTableAssociation(this, `DatabaseAssoc-${s.az}`, { subnetId: s.cfn.ref, routeTableId: databaseRouteTable.ref }));

    const routeTableFor = (tier: string, index: number): string => {
      if (tier === 'public') return publicRouteTable.ref;
      if (tier === 'database') return databaseRouteTable.ref;
      return privateRouteTables[index]?.ref ?? databaseRouteTable.ref;
    };
    this.subnets = Object.fromEntries(
      tiers.map((tier) => [
        tier,
        (cfnSubnets[tier] ?? []).map((s, index) => ({
          cfn: s.cfn,
          az: s.az,
          cidr: s.cidr,
          subnet: ec2.Subnet.fromSubnetAttributes(this, `Imported-${tier}-${s.az}`, { subnetId: s.cfn.ref, availabilityZone: s.az, routeTableId: routeTableFor(tier, index), ipv4CidrBlock: s.cidr }),
        })),
      ]),
    );

    const nodeSubnetIds = nodeTierNames.flatMap((tier) => (this.subnets[tier] ?? []).map((s) => s.subnet.subnetId));
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'VpcRef', {
      vpcId: this.cfnVpc.ref,
      vpcCidrBlock: config.network.vpcCidr,
      availabilityZones: azs,
      publicSubnetIds: (this.subnets.public ?? []).map((s) => s.subnet.subnetId),
      publicSubnetRouteTableIds: (this.subnets.public ?? []).map(() => publicRouteTable.ref),
      // fromVpcAttributes groups subnets by AZ; node tiers are selected explicitly by subnet everywhere.
      privateSubnetIds: nodeSubnetIds.slice(0, azs.length),
      privateSubnetRouteTableIds: privateRouteTables.map((t) => t.ref),
      isolatedSubnetIds: (this.subnets.database ?? []).map((s) => s.subnet.subnetId),
      isolatedSubnetRouteTableIds: (this.subnets.database ?? []).map(() => databaseRouteTable.ref),
    });

    // Node security group: control plane ENIs and nodes; inter-node and control-plane traffic via self-reference.
    this.nodeSecurityGroup = new ec2.SecurityGroup(this, 'NodeSecurityGroup', {
      vpc: this.vpc,
      description: `${name}: EKS control plane and nodes`,
      allowAllOutbound: true,
    });
    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, ec2.Port.allTraffic(), 'Nodes and the control plane talk to each other');
    this.nodeSecurityGroup.addIngressRule(ec2.Peer.ipv4(config.network.vpcCidr), ec2.Port.tcp(8080), 'coderd from the NLB (TLS ends at the NLB; health checks)');
    this.nodeSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.udp(3478), 'STUN from clients through the NLB (client IP preserved for UDP)');
    acknowledge(this.nodeSecurityGroup, 'NIST.800.53.R5-EC2RestrictedCommonPorts', 'The only all-traffic rule is self-referencing (nodes and the EKS control plane ENIs in this group); no common port is open to an address range.');
    acknowledge(this.nodeSecurityGroup, 'AwsSolutions-EC23', 'UDP 3478 (STUN) must accept any client address: the NLB preserves client IPs for UDP targets, and Coder clients connect from anywhere. Only 3478/udp is open to 0.0.0.0/0.');

    // Endpoints.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: `${name}: interface VPC endpoints`,
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(config.network.vpcCidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
    new ec2.CfnVPCEndpoint(this, 'S3Endpoint', {
      vpcId: this.cfnVpc.ref,
      serviceName: `com.amazonaws.${this.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRouteTables.map((t) => t.ref),
    });
    const endpointSubnets = (this.subnets[controlTier(config)] ?? []).map((s) => s.subnet.subnetId);
    for (const service of config.network.interfaceEndpoints) {
      new ec2.CfnVPCEndpoint(this, `Endpoint-${service}`, {
        vpcId: this.cfnVpc.ref,
        serviceName: `com.amazonaws.${this.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: endpointSubnets,
        securityGroupIds: [endpointSecurityGroup.securityGroupId],
      });
    }

    // Flow logs: all traffic to CloudWatch Logs.
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: `/coder-platform/${name}/vpc-flow-logs`,
      retention: config.network.flowLogRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.flowLogGroup, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'Flow-log records hold only addresses and ports; CloudWatch Logs encrypts them at rest with AWS-owned keys.');
    const flowLog = new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    acknowledge(flowLog, 'NIST.800.53.R5-IAMNoInlinePolicy', 'The flow-log delivery role created by ec2.FlowLog carries one inline policy limited to writing this log group.');

    new CfnOutput(this, OUTPUT_KEYS.network.vpcId, { value: this.cfnVpc.ref });
    new CfnOutput(this, OUTPUT_KEYS.network.subnetIds, {
      value: tiers.map((tier) => `${tier}=${(this.subnets[tier] ?? []).map((s) => s.subnet.subnetId).join(',')}`).join(';'),
    });
    new CfnOutput(this, OUTPUT_KEYS.network.flowLogGroupName, { value: this.flowLogGroup.logGroupName });
  }
}
