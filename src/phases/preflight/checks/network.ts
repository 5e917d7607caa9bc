/** Network: the VPC CIDR should not overlap an existing VPC of the region (peering and VPN need distinct ranges). */
import { overlaps, parseCidr } from '../../../config/cidr.js';
import type { PreflightAws } from '../aws.js';
import type { CheckOutcome, PreflightServices } from '../types.js';

export interface ExistingVpc {
  id: string;
  cidrs: string[];
  name?: string;
}

const vpcListings = new WeakMap<PreflightAws, Promise<ExistingVpc[]>>();

/** Every VPC of the region with its associated IPv4 CIDRs (ec2:DescribeVpcs, paginated), listed once per run. */
export function listVpcs(aws: PreflightAws): Promise<ExistingVpc[]> {
  let listing = vpcListings.get(aws);
  if (!listing) {
    listing = describeVpcs(aws);
    vpcListings.set(aws, listing);
  }
  return listing;
}

async function describeVpcs(aws: PreflightAws): Promise<ExistingVpc[]> {
  const ec2 = await import('@aws-sdk/client-ec2');
  const client = aws.client(ec2.EC2Client);
  const vpcs = await aws.paginate(
    'ec2:DescribeVpcs',
    (token) => client.send(new ec2.DescribeVpcsCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })),
    (p) => p.Vpcs,
    (p) => p.NextToken,
  );
  return vpcs.map((v) => {
    const associated = (v.CidrBlockAssociationSet ?? [])
      .filter((a) => a.CidrBlockState?.State === 'associated')
      .map((a) => a.CidrBlock ?? '');
    const name = v.Tags?.find((t) => t.Key === 'Name')?.Value;
    return {
      id: v.VpcId ?? '',
      cidrs: associated.length > 0 ? associated : [v.CidrBlock ?? ''],
      ...(name ? { name } : {}),
    };
  });
}

export async function checkNetwork(services: PreflightServices): Promise<CheckOutcome> {
  const own = parseCidr(services.config.network.vpcCidr);
  const vpcs = await listVpcs(services.aws);
  const clashes: string[] = [];
  for (const vpc of vpcs) {
    for (const cidr of vpc.cidrs) {
      const other = parseCidr(cidr);
      if (own.ok && other.ok && overlaps(own.cidr, other.cidr))
        clashes.push(`${vpc.id}${vpc.name ? ` (${vpc.name})` : ''} ${cidr}`);
    }
  }
  const base = {
    id: 'network-vpc-cidr',
    area: 'network' as const,
    critical: false,
    required: `${services.config.network.vpcCidr} free`,
    current: `${vpcs.length} VPC${vpcs.length === 1 ? '' : 's'} in the region`,
  };
  if (clashes.length === 0)
    return {
      results: [
        {
          ...base,
          status: 'pass',
          message: `${services.config.network.vpcCidr} overlaps no VPC in ${services.config.aws.region}`,
          fix: '',
        },
      ],
    };
  return {
    results: [
      {
        ...base,
        status: 'warn',
        message: `${services.config.network.vpcCidr} overlaps ${clashes.join(', ')}`,
        fix: 'Pick a non-overlapping network.vpcCidr (and subnets) if these VPCs will ever be peered or share a VPN/Transit Gateway.',
      },
    ],
  };
}
