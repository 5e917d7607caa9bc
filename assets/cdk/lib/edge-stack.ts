/**
 * Edge: the ACM certificate (coder.<domain> + *.coder.<domain>), an internet-facing NLB ending TLS on 443
 * with a TLS 1.3 / TLS 1.2-GCM-only policy, the IP target group that Kubernetes binds to (TargetGroupBinding),
 * and Route 53 alias records. Kubernetes never creates load balancers. No UDP 3478 listener: coderd serves no
 * STUN; clients use the STUN servers coderd advertises (CODER_DERP_SERVER_STUN_ADDRESSES) and relay through
 * coderd's embedded DERP server over the TLS listener (README, corrections to the design documents).
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import { coderHost, type CoderPlatformConfig } from '../../../src/config/schema.js';
import { OUTPUT_KEYS } from '../../../src/deployment/outputs.js';
import { acknowledge, resourceNames } from './common.js';
import type { NetworkStack } from './network-stack.js';

export const TLS_POLICY = elbv2.SslPolicy.TLS13_RES; // ELBSecurityPolicy-TLS13-1-2-Res-2021-06 (seed-facts defect 6)
export const CODERD_PORT = 8080;

export interface EdgeStackProps extends StackProps {
  config: CoderPlatformConfig;
  network: NetworkStack;
}

export class EdgeStack extends Stack {
  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const names = resourceNames(config);
    const host = coderHost(config);
    const production = config.deployment.environment === 'production';

    // An existing zone when dns.hostedZoneId is set; otherwise a new public zone for the domain, which must be
    // delegated from the registrar before the certificate can validate.
    const zone: route53.IHostedZone = config.dns.hostedZoneId
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: config.dns.hostedZoneId,
          zoneName: config.dns.domain,
        })
      : new route53.PublicHostedZone(this, 'Zone', {
          zoneName: config.dns.domain,
          comment: `coder-platform ${config.deployment.name}`,
        });

    const certificate: acm.ICertificate = config.dns.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', config.dns.certificateArn)
      : new acm.Certificate(this, 'Certificate', {
          domainName: host,
          subjectAlternativeNames: [`*.${host}`],
          validation: acm.CertificateValidation.fromDns(zone),
        });

    const nlb = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: network.vpc,
      internetFacing: true,
      vpcSubnets: { subnets: (network.subnets.public ?? []).map((s) => s.subnet) },
      crossZoneEnabled: true,
      deletionProtection: production,
    });
    // NLB access logs would need an S3 bucket of their own (with its own logging, encryption and retention) and cover
    // only the TLS listener; this is the trade-off, stated as it is.
    const noAccessLogs =
      'NLB access logs are not enabled: VPC flow logs (ALL) record every connection to the NLB (addresses, ports, bytes). Request-level records come from Coder only with a Premium license (audit log); without one, per-request history is not kept. Enable NLB access logs to an S3 bucket if that is required.';
    acknowledge(nlb, 'AwsSolutions-ELB2', noAccessLogs);
    acknowledge(nlb, 'NIST.800.53.R5-ELBLoggingEnabled', noAccessLogs);
    if (!production)
      acknowledge(
        nlb,
        'NIST.800.53.R5-ELBDeletionProtectionEnabled',
        `Deletion protection is on for production only; this is a ${config.deployment.environment} deployment that day0 destroy must be able to remove.`,
      );

    const healthCheck: elbv2.HealthCheck = {
      protocol: elbv2.Protocol.HTTP,
      port: String(CODERD_PORT),
      path: '/healthz',
      interval: Duration.seconds(30),
      timeout: Duration.seconds(10),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    };
    const coderTargets = new elbv2.NetworkTargetGroup(this, 'CoderTargetGroup', {
      targetGroupName: names.coderTargetGroup,
      vpc: network.vpc,
      port: CODERD_PORT,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      healthCheck,
      deregistrationDelay: Duration.seconds(30),
    });
    nlb.addListener('Https', {
      port: 443,
      protocol: elbv2.Protocol.TLS,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
      sslPolicy: TLS_POLICY,
      defaultTargetGroups: [coderTargets],
    });

    const alias = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(nlb));
    new route53.ARecord(this, 'HostRecord', { zone, recordName: `${host}.`, target: alias });
    new route53.ARecord(this, 'WildcardRecord', { zone, recordName: `*.${host}.`, target: alias });

    new CfnOutput(this, OUTPUT_KEYS.edge.targetGroupArn, { value: coderTargets.targetGroupArn });
    new CfnOutput(this, OUTPUT_KEYS.edge.loadBalancerArn, { value: nlb.loadBalancerArn });
    new CfnOutput(this, OUTPUT_KEYS.edge.loadBalancerDnsName, { value: nlb.loadBalancerDnsName });
    new CfnOutput(this, OUTPUT_KEYS.edge.certificateArn, { value: certificate.certificateArn });
    new CfnOutput(this, OUTPUT_KEYS.edge.hostedZoneId, { value: zone.hostedZoneId });
    new CfnOutput(this, OUTPUT_KEYS.edge.accessUrl, { value: `https://${host}` });
    new CfnOutput(this, OUTPUT_KEYS.edge.wildcardAccessUrl, { value: `*.${host}` });
  }
}
