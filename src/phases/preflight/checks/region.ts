/**
 * Region: enabled, enough available AZs (the chosen ones among them), and every node group's instance
 * types offered in every chosen AZ (ec2:DescribeAvailabilityZones, ec2:DescribeInstanceTypeOfferings
 * with location type availability-zone). EC2 workspace types must be offered in at least one chosen AZ.
 */
import { availabilityZones } from '../../../config/schema.js';
import { isEc2Size } from '../../../sizing/quota-bill.js';
import type { CheckOutcome, CheckResult, PreflightServices } from '../types.js';

export async function checkRegion(services: PreflightServices): Promise<CheckOutcome> {
  const { config, aws } = services;
  const ec2 = await import('@aws-sdk/client-ec2');
  const client = aws.client(ec2.EC2Client);
  const region = config.aws.region;
  let zones;
  try {
    zones = await aws.call(
      'ec2:DescribeAvailabilityZones',
      () =>
        client.send(
          new ec2.DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] }),
        ),
      region,
    );
  } catch (error) {
    if (/OptInRequired/.test(String((error as { cause?: { name?: string } }).cause?.name))) {
      return {
        results: [
          {
            id: 'region-enabled',
            area: 'region',
            status: 'fail',
            critical: true,
            required: 'enabled',
            current: 'not enabled',
            message: `region ${region} is not enabled for this account`,
            fix: `Enable ${region} under Account → AWS Regions in the console (or aws account enable-region --region-name ${region}), or choose another region.`,
          },
        ],
      };
    }
    throw error;
  }
  const available = new Set(
    (zones.AvailabilityZones ?? []).filter((z) => z.State === 'available').map((z) => z.ZoneName ?? ''),
  );
  const chosen = availabilityZones(config);
  const results: CheckResult[] = [
    {
      id: 'region-enabled',
      area: 'region',
      status: 'pass',
      critical: true,
      current: 'enabled',
      message: `region ${region} is enabled`,
      fix: '',
    },
  ];
  const missing = chosen.filter((z) => !available.has(z));
  results.push({
    id: 'region-azs',
    area: 'region',
    status: missing.length === 0 ? 'pass' : 'fail',
    critical: true,
    required: `${config.network.azCount} AZs (${chosen.join(', ')})`,
    current: `${available.size} available (${[...available].sort().join(', ')})`,
    message:
      missing.length === 0
        ? `${chosen.join(', ')} are available`
        : `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not available in ${region}`,
    fix:
      missing.length === 0
        ? ''
        : `Set aws.availabilityZones to ${config.network.azCount} of: ${[...available].sort().join(', ')}.`,
  });

  const groupTypes = Object.values(config.cluster.nodeGroups).flatMap((g) => g.instanceTypes);
  const ec2Types = Object.values(config.workspaces.sizes)
    .filter((s) => isEc2Size(s) && config.workspaces.templates.includes(s.template))
    .map((s) => s.instanceType!);
  const types = [...new Set([...groupTypes, ...ec2Types])];
  const offerings = await aws.paginate(
    'ec2:DescribeInstanceTypeOfferings',
    (token) =>
      client.send(
        new ec2.DescribeInstanceTypeOfferingsCommand({
          LocationType: 'availability-zone',
          Filters: [
            { Name: 'instance-type', Values: types },
            { Name: 'location', Values: chosen },
          ],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    (p) => p.InstanceTypeOfferings,
    (p) => p.NextToken,
    region,
  );
  const offered = new Set(offerings.map((o) => `${o.InstanceType}@${o.Location}`));
  for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
    const gaps = group.instanceTypes.flatMap((t) =>
      chosen.filter((z) => !offered.has(`${t}@${z}`)).map((z) => `${t} in ${z}`),
    );
    const uncovered = chosen.filter((z) => !group.instanceTypes.some((t) => offered.has(`${t}@${z}`)));
    const status = gaps.length === 0 ? 'pass' : uncovered.length > 0 ? 'fail' : 'warn';
    results.push({
      id: `region-offerings-${name}`,
      area: 'region',
      status,
      critical: true,
      required: `${group.instanceTypes.join(', ')} in ${chosen.join(', ')}`,
      current: gaps.length === 0 ? 'all offered' : `missing: ${gaps.join(', ')}`,
      message:
        gaps.length === 0
          ? `node group ${name}: ${group.instanceTypes.join(', ')} offered in every chosen AZ`
          : uncovered.length > 0
            ? `node group ${name} cannot launch in ${uncovered.join(', ')}: ${gaps.join(', ')} not offered`
            : `node group ${name}: ${gaps.join(', ')} not offered (other types of the group cover those AZs)`,
      fix:
        gaps.length === 0
          ? ''
          : `Choose AZs that offer ${group.instanceTypes.join(', ')} (aws.availabilityZones), or change the group's instanceTypes.`,
    });
  }
  for (const type of ec2Types) {
    const zonesWith = chosen.filter((z) => offered.has(`${type}@${z}`));
    if (zonesWith.length === chosen.length) continue;
    results.push({
      id: `region-offerings-workspace-${type}`,
      area: 'region',
      status: zonesWith.length === 0 ? 'fail' : 'warn',
      critical: false,
      required: `${type} in ${chosen.join(', ')}`,
      current: zonesWith.length === 0 ? 'in none' : `only in ${zonesWith.join(', ')}`,
      message: `EC2 workspace type ${type} is ${zonesWith.length === 0 ? 'not offered in any chosen AZ' : `offered only in ${zonesWith.join(', ')}`}`,
      fix: `Pick another instance type for the sizes that use ${type}, or AZs that offer it.`,
    });
  }
  return { results };
}
