/**
 * How exposed the EKS API endpoint is, from the config alone (no AWS): shared by the cluster stack's cdk-nag
 * acknowledgement, the preflight check and the plan, so all three say the same thing.
 */
import { parseCidr } from './cidr.js';
import type { CoderPlatformConfig } from './schema.js';

export interface EndpointExposure {
  /** `private`: no public endpoint; `limited`: public from the listed CIDRs; `world`: a /0 is among them. */
  kind: 'private' | 'limited' | 'world';
  cidrs: string[];
  /** One line for a person. */
  summary: string;
  /** What to do, or how day1 reaches the API; empty when nothing is needed. */
  advice: string;
}

/** A CIDR that matches every IPv4 address (prefix /0). */
export function isWorldOpen(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  return parsed.ok ? parsed.cidr.prefix === 0 : cidr.endsWith('/0');
}

const DAY1_REACH =
  'day1 (helm, kubectl) must run where the private endpoint resolves and is reachable: a CI runner or an SSM session ' +
  'on an instance in the VPC, or a network joined to it (VPN, Direct Connect, peering, Transit Gateway) with the ' +
  'cluster security group opened to it. Or set cluster.endpointAccess.mode: public-and-private with your ' +
  'egress CIDRs in publicCidrs.';

export function endpointExposure(config: Pick<CoderPlatformConfig, 'cluster'>): EndpointExposure {
  const { mode, publicCidrs } = config.cluster.endpointAccess;
  if (mode === 'private') {
    return {
      kind: 'private',
      cidrs: [],
      summary: 'EKS API endpoint is private only (no public endpoint)',
      advice: DAY1_REACH,
    };
  }
  const world = publicCidrs.filter(isWorldOpen);
  if (world.length > 0) {
    return {
      kind: 'world',
      cidrs: publicCidrs,
      summary: `EKS API endpoint is public to the whole internet (${world.join(', ')} in cluster.endpointAccess.publicCidrs), by the operator's explicit choice`,
      advice:
        'Replace it with the egress CIDRs of the machines that run day1 and kubectl (office, VPN, CI), or use mode: private.',
    };
  }
  return {
    kind: 'limited',
    cidrs: publicCidrs,
    summary: `EKS API endpoint is public only from ${publicCidrs.join(', ')}; private access is on`,
    advice: '',
  };
}
