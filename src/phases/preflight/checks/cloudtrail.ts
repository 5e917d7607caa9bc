/**
 * CloudTrail: does an organization or multi-Region trail that is logging already record this account
 * (cloudtrail:DescribeTrails with shadow trails, then cloudtrail:GetTrailStatus by ARN, which shadow and
 * organization trails require)? With audit.cloudTrail: create such a trail means a second, paid copy of the
 * management events, so preflight says to set `existing`; with `existing` and no such trail, nothing would
 * record the account, which the design documents require, so it fails.
 */
import type { Trail } from '@aws-sdk/client-cloudtrail';
import type { CheckOutcome, PreflightServices } from '../types.js';

/** Logging organization or multi-Region trails visible from the deployment region. */
async function coveringTrails(services: PreflightServices): Promise<Trail[]> {
  const { aws } = services;
  const ct = await import('@aws-sdk/client-cloudtrail');
  const client = aws.client(ct.CloudTrailClient);
  const trails =
    (
      await aws.call('cloudtrail:DescribeTrails', () =>
        client.send(new ct.DescribeTrailsCommand({ includeShadowTrails: true })),
      )
    ).trailList ?? [];
  const covering: Trail[] = [];
  for (const trail of trails.filter((t) => t.IsOrganizationTrail === true || t.IsMultiRegionTrail === true)) {
    const arn = trail.TrailARN ?? trail.Name ?? '';
    const status = await aws.call(
      'cloudtrail:GetTrailStatus',
      () => client.send(new ct.GetTrailStatusCommand({ Name: arn })),
      arn,
    );
    if (status.IsLogging === true) covering.push(trail);
  }
  return covering;
}

const describe = (t: Trail): string =>
  `${t.Name ?? t.TrailARN} (${t.IsOrganizationTrail ? 'organization' : 'multi-Region'} trail, home ${t.HomeRegion ?? '?'})`;

export async function checkCloudTrail(services: PreflightServices): Promise<CheckOutcome> {
  const choice = services.config.audit.cloudTrail;
  const covering = await coveringTrails(services);
  const current =
    covering.length === 0 ? 'no organization or multi-Region trail logging' : covering.map(describe).join(', ');
  const base = {
    id: 'cloudtrail',
    area: 'audit' as const,
    required: 'one trail recording management events in every Region',
    current,
  };
  if (choice === 'create') {
    if (covering.length === 0)
      return {
        results: [
          {
            ...base,
            status: 'pass',
            critical: false,
            message: 'No trail covers the account yet: the deployment creates a multi-Region trail',
            fix: '',
          },
        ],
      };
    return {
      results: [
        {
          ...base,
          status: 'warn',
          critical: false,
          message: `${describe(covering[0] as Trail)} already records this account: the deployment would add a second trail (a paid second copy of management events)`,
          fix: 'Set audit.cloudTrail: existing to create none.',
        },
      ],
    };
  }
  if (covering.length > 0)
    return {
      results: [
        {
          ...base,
          status: 'pass',
          critical: false,
          message: `${describe(covering[0] as Trail)} records this account: no trail is created (audit.cloudTrail: existing)`,
          fix: '',
        },
      ],
    };
  return {
    results: [
      {
        ...base,
        status: 'fail',
        critical: true,
        message: 'audit.cloudTrail is existing, but no organization or multi-Region trail is logging for this account',
        fix: 'Set audit.cloudTrail: create, or start logging on the organization trail first.',
      },
    ],
  };
}
