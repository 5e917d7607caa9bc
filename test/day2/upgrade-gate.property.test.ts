/**
 * The upgrade gate's version rules for generated versions, against the rules written out plainly
 * (coder-helm.md §3, EKS): Kubernetes goes up one minor at a time and never down; Coder never goes down
 * and never changes its major version.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCoderUpgrade, planKubernetesUpgrade } from '../../src/phases/day2/upgrade/gate.js';

const RUNS = 2_000;

function outcome(fn: () => { action: string }): string {
  try {
    return fn().action;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

describe('upgrade gate version rules (fast-check)', () => {
  it(`Kubernetes: same minor is a no-op, the next minor an upgrade, anything else refused (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 60 }), fc.integer({ min: 10, max: 70 }), (from, to) => {
        const got = outcome(() => planKubernetesUpgrade(`1.${from}`, `1.${to}`));
        if (to === from) expect(got).toBe('none');
        else if (to === from + 1) expect(got).toBe('upgrade');
        else if (to < from) expect(got).toMatch(/^refused: EKS cannot downgrade Kubernetes/);
        else expect(got).toMatch(/^refused: Kubernetes upgrades go one minor version at a time/);
      }),
      { numRuns: RUNS },
    );
  });

  it(`Coder: forward within the major is allowed, a downgrade or a major change refused (${RUNS} runs)`, () => {
    const version = fc.tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 9 }),
    );
    fc.assert(
      fc.property(version, version, fc.boolean(), ([a, b, c], [x, y, z], prefixed) => {
        const got = outcome(() => planCoderUpgrade(`${prefixed ? 'v' : ''}${a}.${b}.${c}+abc`, `${x}.${y}.${z}`));
        const older = x < a || (x === a && (y < b || (y === b && z < c)));
        if (older) expect(got).toMatch(/^refused: Coder .* is older than the running/);
        else if (x !== a) expect(got).toMatch(/^refused: .*changes the major version/);
        else expect(got).toBe(x === a && y === b && z === c ? 'none' : 'upgrade');
      }),
      { numRuns: RUNS },
    );
  });
});
