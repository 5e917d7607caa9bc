/** Every preflight check, and the guard that turns a check that could not run into an honest result. */
import type { EventHost } from '../../../engine/host.js';
import { classifyAwsError } from '../../../aws/clients.js';
import { ExternalError, toCoderPlatformError } from '../../../errors.js';
import type { CheckOutcome, PreflightCheck, PreflightServices } from '../types.js';
import { checkCapacity } from './capacity.js';
import { checkCdkBootstrap } from './cdk-bootstrap.js';
import { checkCloudTrail } from './cloudtrail.js';
import { checkCertificate, checkHostedZone } from './dns.js';
import { checkEksVersion } from './eks-version.js';
import { checkEndpointAccess } from './endpoint-access.js';
import { checkIdentity } from './identity.js';
import { checkNetwork } from './network.js';
import { checkQuotas } from './quotas.js';
import { checkRegion } from './region.js';
import { checkStateBucket } from './state-bucket.js';
import { checkTools } from './tools.js';

/**
 * Longest dependency chain first: the engine starts steps in this order (each start is journaled), so the
 * quota listings (rate-limited, then usage) and the two-call region check get going before the one-call checks.
 */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  { id: 'quotas', title: 'Service quotas against the bill of materials', area: 'quotas', run: checkQuotas },
  { id: 'region', title: 'Region, AZs and instance type offerings', area: 'region', run: checkRegion },
  { id: 'cdk-bootstrap', title: 'CDK bootstrap stack', area: 'cdk', run: checkCdkBootstrap },
  { id: 'identity', title: 'AWS identity and account', area: 'identity', run: checkIdentity },
  { id: 'network', title: 'VPC CIDR against existing VPCs', area: 'network', run: checkNetwork },
  { id: 'hosted-zone', title: 'Public hosted zone', area: 'dns', run: checkHostedZone },
  { id: 'certificate', title: 'TLS certificate', area: 'dns', run: checkCertificate },
  { id: 'eks-version', title: 'EKS Kubernetes version', area: 'eks', run: checkEksVersion },
  { id: 'cloudtrail', title: 'CloudTrail covering the account', area: 'audit', run: checkCloudTrail },
  { id: 'eks-endpoint', title: 'EKS API endpoint exposure', area: 'eks', run: checkEndpointAccess },
  { id: 'tools', title: 'Local tools and versions', area: 'tools', run: checkTools },
  { id: 'capacity', title: 'Workspace capacity fit', area: 'capacity', run: checkCapacity },
  {
    id: 'state-bucket',
    title: 'State bucket and permissions (s3 state backend)',
    area: 'state',
    run: checkStateBucket,
  },
];

/**
 * Run one check. Missing or expired credentials end the whole preflight (exit 3): nothing else can be
 * answered. Any other failure to check (access denied naming the IAM action, network, a throttle that
 * outlived every retry) becomes a failed, unchecked result with the error's next step, so the other
 * checks still report.
 */
export async function runCheck(
  check: PreflightCheck,
  services: PreflightServices,
  host: EventHost,
): Promise<CheckOutcome> {
  let outcome: CheckOutcome;
  try {
    outcome = await check.run(services, host);
  } catch (error) {
    const wrapped = toCoderPlatformError(error);
    if (wrapped instanceof ExternalError && classifyAwsError(wrapped.cause) === 'credentials') throw wrapped;
    if (wrapped.kind === 'bug') throw wrapped;
    outcome = {
      results: [
        {
          id: check.id,
          area: check.area,
          status: 'fail',
          critical: true,
          unchecked: true,
          current: 'could not check',
          message: wrapped.message.split('\n')[0] ?? wrapped.message,
          fix: wrapped.nextSteps.join(' ') || 'Re-run with --verbose for the cause.',
        },
      ],
    };
  }
  for (const r of outcome.results) {
    host.emit({
      level: r.status === 'fail' ? 'error' : r.status === 'warn' ? 'warn' : 'info',
      code: r.unchecked
        ? 'PREFLIGHT_UNCHECKED'
        : r.status === 'pass'
          ? 'PREFLIGHT_PASS'
          : r.area === 'quotas'
            ? 'PREFLIGHT_QUOTA_SHORT'
            : r.status === 'warn'
              ? 'PREFLIGHT_WARN'
              : 'PREFLIGHT_FAIL',
      message: `${r.id}: ${r.message}`,
      data: {
        id: r.id,
        area: r.area,
        status: r.status,
        critical: r.critical,
        ...(r.quotaCode ? { quotaCode: r.quotaCode } : {}),
      },
    });
  }
  return outcome;
}
