/** The EKS API endpoint exposure the cluster stack, preflight and plan share. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpointExposure, isWorldOpen } from '../../src/config/endpoint-access.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';

const access = (mode: 'private' | 'public-and-private', publicCidrs: string[]) =>
  ({ cluster: { endpointAccess: { mode, publicCidrs } } }) as Pick<CoderPlatformConfig, 'cluster'>;

/** A network-aligned IPv4 CIDR. */
const cidr = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([address, prefix]) => {
    const network = prefix === 0 ? 0 : ((address >>> (32 - prefix)) << (32 - prefix)) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.')}/${prefix}`;
  });

describe('endpointExposure', () => {
  it('private mode is private whatever else is set', () => {
    expect(endpointExposure(access('private', []))).toMatchObject({
      kind: 'private',
      cidrs: [],
      advice: expect.stringContaining('day1 (helm, kubectl) must run where the private endpoint'),
    });
  });

  it('property: a public endpoint is world-open exactly when one of its CIDRs has prefix /0, and keeps every CIDR', () => {
    fc.assert(
      fc.property(fc.array(cidr, { minLength: 1, maxLength: 40 }), (cidrs) => {
        const exposure = endpointExposure(access('public-and-private', cidrs));
        expect(exposure.kind).toBe(cidrs.some((c) => c.endsWith('/0')) ? 'world' : 'limited');
        expect(exposure.cidrs).toEqual(cidrs);
        expect(cidrs.filter(isWorldOpen)).toEqual(cidrs.filter((c) => c.endsWith('/0')));
      }),
    );
  });
});
