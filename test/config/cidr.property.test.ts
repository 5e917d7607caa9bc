/**
 * Property tests of the CIDR arithmetic (src/config/cidr.ts) over the whole IPv4 space, against a reference
 * written independently with BigInt address ranges: parse, alignment (host bits), containment and overlap.
 * The validator's node-group bounds (min ≤ desired ≤ max) are checked the same way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contains, formatAddress, overlaps, parseCidr, type Cidr } from '../../src/config/cidr.js';
import { parseConfigText } from '../../src/config/load.js';
import { validateNodeGroupBounds } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const RUNS = 5_000;

/** The reference: a block as the inclusive BigInt range [first, last] of the addresses it covers. */
interface Range {
  first: bigint;
  last: bigint;
}

function refAddress(octets: readonly number[]): bigint {
  return octets.reduce((acc, o) => acc * 256n + BigInt(o), 0n);
}

function refBlockSize(prefix: number): bigint {
  return 1n << BigInt(32 - prefix);
}

function refRange(octets: readonly number[], prefix: number): Range {
  const first = refAddress(octets);
  return { first, last: first + refBlockSize(prefix) - 1n };
}

function refDotted(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

function octetsOf(value: bigint): number[] {
  return [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 255n));
}

const octet = fc.integer({ min: 0, max: 255 });
const prefix = fc.integer({ min: 0, max: 32 });
const anyAddress = fc.tuple(octet, octet, octet, octet);
/** Addresses spread over the whole space, with the high half (first octet ≥ 128) as likely as the low. */
const highAddress = fc.tuple(fc.integer({ min: 128, max: 255 }), octet, octet, octet);

/** A valid block: a random address with its host bits cleared by the reference arithmetic. */
const block = fc.tuple(fc.oneof(anyAddress, highAddress), prefix).map(([octets, p]) => {
  const size = refBlockSize(p);
  const network = (refAddress(octets) / size) * size;
  return { octets: octetsOf(network), prefix: p, text: `${refDotted(network)}/${p}` };
});

/** A second block placed inside, around or next to the first, so overlaps and containment are common. */
const relatedPair = block.chain((a) =>
  fc.record({
    a: fc.constant(a),
    b: fc.tuple(fc.integer({ min: 0, max: 32 }), fc.bigInt({ min: -2n, max: 2n ** 32n })).map(([p, pick]) => {
      const size = refBlockSize(p);
      const aRange = refRange(a.octets, a.prefix);
      // Anchor near the first block: its start, a little before it or inside it, clamped to the space.
      let anchor = aRange.first + (pick % (aRange.last - aRange.first + 3n)) - 1n;
      if (anchor < 0n) anchor = 0n;
      if (anchor > 2n ** 32n - 1n) anchor = 2n ** 32n - 1n;
      const network = (anchor / size) * size;
      return { octets: octetsOf(network), prefix: p, text: `${refDotted(network)}/${p}` };
    }),
  }),
);

function parsed(text: string): Cidr {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.cidr;
}

describe('CIDR arithmetic against a BigInt reference (fast-check)', () => {
  it(`parses every a.b.c.d/p: accepted exactly when the host bits are zero, with the reference network and size (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(anyAddress, highAddress), prefix, (octets, p) => {
        const text = `${octets.join('.')}/${p}`;
        const result = parseCidr(text);
        const size = refBlockSize(p);
        const address = refAddress(octets);
        const network = (address / size) * size;
        expect(result.ok).toBe(address === network);
        if (result.ok) {
          expect(BigInt(result.cidr.network)).toBe(network);
          expect(BigInt(result.cidr.size)).toBe(size);
          expect(result.cidr.prefix).toBe(p);
          expect(formatAddress(result.cidr.network)).toBe(octets.join('.'));
        } else {
          expect(result.reason).toContain(`the network address is ${refDotted(network)}/${p}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`rejects octets above 255 and prefixes above /32 (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        anyAddress,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 256, max: 999 }),
        prefix,
        (octets, at, big, p) => {
          const bad = octets.map((o, i) => (i === at ? big : o));
          expect(parseCidr(`${bad.join('.')}/${p}`).ok).toBe(false);
          expect(parseCidr(`${octets.join('.')}/${33 + (big % 67)}`).ok).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`containment and overlap equal the reference range arithmetic (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(relatedPair, ({ a, b }) => {
        const ra = refRange(a.octets, a.prefix);
        const rb = refRange(b.octets, b.prefix);
        const ca = parsed(a.text);
        const cb = parsed(b.text);
        expect(contains(ca, cb)).toBe(rb.first >= ra.first && rb.last <= ra.last);
        expect(contains(cb, ca)).toBe(ra.first >= rb.first && ra.last <= rb.last);
        const refOverlap = ra.first <= rb.last && rb.first <= ra.last;
        expect(overlaps(ca, cb)).toBe(refOverlap);
        expect(overlaps(cb, ca)).toBe(refOverlap);
      }),
      { numRuns: RUNS },
    );
  });

  it(`overlap of two independent blocks anywhere in the space equals the reference (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(block, block, (a, b) => {
        const ra = refRange(a.octets, a.prefix);
        const rb = refRange(b.octets, b.prefix);
        expect(overlaps(parsed(a.text), parsed(b.text))).toBe(ra.first <= rb.last && rb.first <= ra.last);
        expect(contains(parsed(a.text), parsed(b.text))).toBe(rb.first >= ra.first && rb.last <= ra.last);
      }),
      { numRuns: RUNS },
    );
  });

  it('examples the generators must keep covering: the high half of the space and overlaps at different starts', () => {
    expect(parsed('192.168.0.0/16')).toMatchObject({ network: 3_232_235_520, size: 65_536 });
    expect(parseCidr('200.1.3.0/23')).toMatchObject({ ok: false });
    expect(overlaps(parsed('10.0.0.0/16'), parsed('10.0.32.0/20'))).toBe(true);
    expect(overlaps(parsed('10.0.32.0/20'), parsed('10.0.0.0/16'))).toBe(true);
    expect(overlaps(parsed('10.0.0.0/20'), parsed('10.0.16.0/20'))).toBe(false);
  });
});

describe('node-group bounds min ≤ desired ≤ max (fast-check)', () => {
  const size = fc.integer({ min: 0, max: 1_000 });
  it(`reports an issue exactly when an inequality fails, on the key that breaks it (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(size, size, size, (minSize, desiredSize, maxSize) => {
        const paths = validateNodeGroupBounds('g', { minSize, desiredSize, maxSize })
          .map((i) => i.path)
          .sort();
        const expected = [
          ...(desiredSize > maxSize ? ['cluster.nodeGroups.g.desiredSize'] : []),
          ...(minSize > desiredSize ? ['cluster.nodeGroups.g.minSize'] : []),
        ];
        expect(paths).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('the loader reports the same keys, with their YAML line, for a generated coder-platform.yaml (300 runs)', () => {
    const bounds = ['minSize', 'desiredSize'].map((k) => `cluster.nodeGroups.coder-ws.${k}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 10, max: 20 }),
        (minSize, desiredSize, maxSize) => {
          const text = `apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\ncluster:\n  nodeGroups:\n    coder-ws:\n      minSize: ${minSize}\n      desiredSize: ${desiredSize}\n      maxSize: ${maxSize}\n`;
          let issues: { path: string; line?: number }[] = [];
          try {
            parseConfigText(text, 'generated.yaml');
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            issues = error.issues.filter((i) => bounds.includes(i.path));
          }
          const expected = [
            ...(desiredSize > maxSize ? [{ path: bounds[1], line: 12 }] : []),
            ...(minSize > desiredSize ? [{ path: bounds[0], line: 11 }] : []),
          ];
          expect(
            issues.map((i) => ({ path: i.path, line: i.line })).sort((a, b) => a.path.localeCompare(b.path)),
          ).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
