/**
 * Preflight's AWS calls run concurrently, measured as calls in flight, through the command's real wiring:
 * `coder-platform preflight` runs in this process (the phase built and executed as src/commands/preflight.ts
 * does, with its own engine concurrency), against the aws-sdk-client-mock account of aws-fakes.ts. Every SDK
 * send is counted while it is in flight; calls are held at a gate until the first call of every check has
 * arrived (no timing in the assertions: the gate only needs a fallback so that a sequential run ends).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ACMClient } from '@aws-sdk/client-acm';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Preflight, { type PreflightResult } from '../../src/commands/preflight.js';
import { fakeAccount, restoreFake } from './aws-fakes.js';

const root = resolve(import.meta.dirname, '../..');

/** The first call each check makes, by SDK command: one operation that only that check uses. */
const FIRST_CALL_OF: Record<string, string> = {
  ListServiceQuotasCommand: 'quotas',
  DescribeAvailabilityZonesCommand: 'region',
  DescribeStacksCommand: 'cdk-bootstrap',
  ListHostedZonesByNameCommand: 'hosted-zone',
  DescribeCertificateCommand: 'certificate',
  DescribeClusterVersionsCommand: 'eks-version',
};
const CHECKS_CALLING_AWS = new Set(Object.values(FIRST_CALL_OF));

const CLIENTS = {
  sts: STSClient,
  ec2: EC2Client,
  eks: EKSClient,
  route53: Route53Client,
  acm: ACMClient,
  cloudformation: CloudFormationClient,
  servicequotas: ServiceQuotasClient,
  cloudwatch: CloudWatchClient,
  elasticloadbalancing: ElasticLoadBalancingV2Client,
  rds: RDSClient,
};
type Send = (this: unknown, command: object, ...rest: unknown[]) => Promise<unknown>;

/** Wraps every client's (already mocked) send: counts calls in flight, holds them at a gate. */
function instrument() {
  const inFlight = { total: 0, byService: new Map<string, number>(), checks: new Map<string, number>() };
  const max = { total: 0, servicequotas: 0, checks: 0 };
  const seenChecks = new Set<string>();
  let held: (() => void)[] = [];
  let holding = true;
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    holding = false;
    for (const go of held) go();
    held = [];
  };
  // The gate opens once every check's first call is waiting and nothing new came for a moment; the long
  // fallback only ends a run whose checks never overlap (then the assertions fail on the counts).
  const arrived = (): void => {
    clearTimeout(timer);
    timer = setTimeout(release, [...CHECKS_CALLING_AWS].every((c) => seenChecks.has(c)) ? 200 : 3_000);
  };
  const originals: [{ prototype: { send: Send } }, Send][] = [];
  for (const [service, Client] of Object.entries(CLIENTS) as [string, { prototype: { send: Send } }][]) {
    const inner = Client.prototype.send;
    originals.push([Client, inner]);
    Client.prototype.send = async function (this: unknown, command: object, ...rest: unknown[]) {
      const check = FIRST_CALL_OF[command.constructor.name];
      inFlight.total += 1;
      inFlight.byService.set(service, (inFlight.byService.get(service) ?? 0) + 1);
      if (check) inFlight.checks.set(check, (inFlight.checks.get(check) ?? 0) + 1);
      max.total = Math.max(max.total, inFlight.total);
      max.servicequotas = Math.max(max.servicequotas, inFlight.byService.get('servicequotas') ?? 0);
      max.checks = Math.max(max.checks, [...inFlight.checks.values()].filter((n) => n > 0).length);
      try {
        // The command asks STS for the identity alone, before the phase: never held.
        if (holding && service !== 'sts') {
          if (check) seenChecks.add(check);
          await new Promise<void>((go) => {
            held.push(go);
            arrived();
          });
        } else {
          await new Promise((r) => setImmediate(r));
        }
        return await inner.call(this, command, ...rest);
      } finally {
        inFlight.total -= 1;
        inFlight.byService.set(service, (inFlight.byService.get(service) ?? 1) - 1);
        if (check) inFlight.checks.set(check, (inFlight.checks.get(check) ?? 1) - 1);
      }
    };
  }
  return {
    max,
    restore: (): void => {
      clearTimeout(timer);
      release();
      for (const [Client, inner] of originals) Client.prototype.send = inner;
    },
  };
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe("preflight concurrency (the command's real wiring)", () => {
  it("has every check's AWS calls in flight at once, and at most 10 Service Quotas calls", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-conc-'));
    const config = join(dir, 'coder-platform.yaml');
    writeFileSync(
      config,
      'apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\n  certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0b8b0c1e-0000-4000-8000-000000000001\ncoder:\n  admin:\n    email: ops@example.com\n',
    );
    const fake = fakeAccount();
    cleanup.push(() => restoreFake(fake));
    const probe = instrument();
    cleanup.push(probe.restore);
    // (its --json output is the returned result; keep it out of the test log)
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // When the real command runs
    const result = (await Preflight.run(
      ['--config', config, '--state-dir', join(dir, 'state'), '--json', '--region', 'us-east-1'],
      root,
    )) as PreflightResult;

    // Then it reported every check (so every call above was really made)
    expect(result.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'quota-ec2-ondemand-standard-vcpu',
        'dns-certificate',
        'dns-hosted-zone',
        'cdk-bootstrap',
        'eks-version',
      ]),
    );
    // And the first call of every AWS-calling check was in flight at the same moment (engine concurrency)
    expect(probe.max.checks).toBe(CHECKS_CALLING_AWS.size);
    expect(probe.max.total).toBeGreaterThan(CHECKS_CALLING_AWS.size);
    // And Service Quotas, listed for 12 service codes at once, is held to its limit of 10 calls in flight
    expect(probe.max.servicequotas).toBeGreaterThan(1);
    expect(probe.max.servicequotas).toBe(10);
  });
});
