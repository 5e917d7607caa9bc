/**
 * EKS API endpoint exposure, from the config alone: a world-open public endpoint is the operator's explicit
 * choice and is warned about; a private-only endpoint is warned about too, because day1 (helm, kubectl) must
 * then run from a machine that reaches the VPC, and the warning says how.
 */
import { endpointExposure } from '../../../config/endpoint-access.js';
import type { CheckOutcome, PreflightServices } from '../types.js';

export async function checkEndpointAccess(services: PreflightServices): Promise<CheckOutcome> {
  const exposure = endpointExposure(services.config);
  const base = {
    id: 'eks-endpoint',
    area: 'eks' as const,
    critical: false,
    required: 'private access; public endpoint off or limited to your CIDRs',
    message: exposure.summary,
  };
  if (exposure.kind === 'limited') {
    return { results: [{ ...base, status: 'pass', current: `public from ${exposure.cidrs.join(', ')}`, fix: '' }] };
  }
  return {
    results: [
      {
        ...base,
        status: 'warn',
        current: exposure.kind === 'world' ? 'public to 0.0.0.0/0' : 'private only',
        fix: exposure.advice,
      },
    ],
  };
}
