/**
 * DNS and TLS: the public hosted zone for dns.domain (route53:ListHostedZonesByName, a global API read
 * in us-east-1) or a delegation hint; an existing certificate must be ISSUED, in the deployment region,
 * and cover both the Coder host and its wildcard (acm:DescribeCertificate).
 */
import { coderHost } from '../../../config/schema.js';
import type { CheckOutcome, CheckResult, PreflightServices } from '../types.js';

export async function checkHostedZone(services: PreflightServices): Promise<CheckOutcome> {
  const { config, aws } = services;
  const r53 = await import('@aws-sdk/client-route-53');
  const client = aws.client(r53.Route53Client, 'us-east-1');
  const domain = config.dns.domain;
  const out = await aws.call(
    'route53:ListHostedZonesByName',
    () => client.send(new r53.ListHostedZonesByNameCommand({ DNSName: domain, MaxItems: 10 })),
    domain,
  );
  const zones = (out.HostedZones ?? []).filter((z) => z.Name === `${domain}.`);
  const wantedId = config.dns.hostedZoneId;
  const isPublic = (z: (typeof zones)[number]): boolean => z.Config?.PrivateZone !== true;
  const zone = wantedId ? zones.find((z) => z.Id?.endsWith(`/${wantedId}`)) : zones.find(isPublic);
  const base = {
    id: 'dns-hosted-zone',
    area: 'dns' as const,
    critical: wantedId !== undefined,
    required: `public zone ${domain}${wantedId ? ` (${wantedId})` : ''}`,
  };
  if (zone && isPublic(zone)) {
    return {
      results: [
        {
          ...base,
          status: 'pass',
          current: `${zone.Id?.replace('/hostedzone/', '')} (${zone.ResourceRecordSetCount ?? 0} records)`,
          message: `public hosted zone ${domain} exists`,
          fix: '',
        },
      ],
    };
  }
  if (zone) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          critical: true,
          current: 'private zone',
          message: `hosted zone ${wantedId} for ${domain} is private; the certificate and users need a public zone`,
          fix: `Create a public hosted zone for ${domain} and set dns.hostedZoneId to it.`,
        },
      ],
    };
  }
  if (wantedId) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: 'not found',
          message: `hosted zone ${wantedId} for ${domain} does not exist in this account`,
          fix: `Correct dns.hostedZoneId, or remove it to have Day 0 create a public zone for ${domain}.`,
        },
      ],
    };
  }
  return {
    results: [
      {
        ...base,
        status: 'warn',
        current: 'none',
        message: `no public hosted zone for ${domain}: Day 0 creates one, and certificate validation waits until it is delegated`,
        fix: `After Day 0 (or now: aws route53 create-hosted-zone --name ${domain} --caller-reference $(date +%s)), add the zone's four NS records for ${domain} at the registrar or in the parent zone.`,
      },
    ],
  };
}

/** Does a certificate name cover a host? `*.x` covers exactly one label left of x. */
export function nameCovers(certName: string, host: string): boolean {
  const name = certName.toLowerCase();
  const target = host.toLowerCase();
  if (name === target) return true;
  if (!name.startsWith('*.')) return false;
  const dot = target.indexOf('.');
  return dot > 0 && target.slice(dot + 1) === name.slice(2) && !target.startsWith('*.');
}

export async function checkCertificate(services: PreflightServices): Promise<CheckOutcome> {
  const { config, aws } = services;
  const host = coderHost(config);
  const wildcard = `*.${host}`;
  const arn = config.dns.certificateArn;
  const base = {
    id: 'dns-certificate',
    area: 'dns' as const,
    critical: true,
    required: `ISSUED in ${config.aws.region} for ${host} and ${wildcard}`,
  };
  if (!arn)
    return {
      results: [
        {
          ...base,
          status: 'pass',
          current: 'none configured',
          message: `Day 0 requests a DNS-validated certificate for ${host} and ${wildcard}`,
          fix: '',
        },
      ],
    };
  const certRegion = arn.split(':')[3] ?? '';
  if (certRegion !== config.aws.region) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: `in ${certRegion}`,
          message: `the certificate is in ${certRegion}; the NLB in ${config.aws.region} needs one in its own region`,
          fix: `Request or import a certificate in ${config.aws.region} and set dns.certificateArn, or remove it to have Day 0 request one.`,
        },
      ],
    };
  }
  const acm = await import('@aws-sdk/client-acm');
  const out = await aws.call(
    'acm:DescribeCertificate',
    () => aws.client(acm.ACMClient).send(new acm.DescribeCertificateCommand({ CertificateArn: arn })),
    arn,
  );
  const cert = out.Certificate ?? {};
  const names = [...new Set([cert.DomainName ?? '', ...(cert.SubjectAlternativeNames ?? [])].filter(Boolean))];
  const uncovered = [host, wildcard].filter((h) => !names.some((n) => nameCovers(n, h)));
  const problems: string[] = [];
  if (cert.Status !== 'ISSUED') problems.push(`status ${cert.Status ?? 'unknown'}`);
  if (uncovered.length > 0) problems.push(`does not cover ${uncovered.join(' or ')}`);
  const result: CheckResult =
    problems.length === 0
      ? {
          ...base,
          status: 'pass',
          current: `ISSUED: ${names.join(', ')}`,
          message: `certificate covers ${host} and ${wildcard}`,
          fix: '',
        }
      : {
          ...base,
          status: 'fail',
          current: `${cert.Status ?? 'unknown'}: ${names.join(', ') || 'no names'}`,
          message: `certificate ${problems.join(', ')}`,
          fix: `Use a certificate with ${host} and ${wildcard} that is ISSUED (finish its DNS validation), or remove dns.certificateArn to have Day 0 request one.`,
        };
  return { results: [result] };
}
