import { describe, expect, it } from 'vitest';
import { computeQuotaBill } from '../../src/sizing/quota-bill.js';
import { profileConfig } from './fixtures.js';

/** `[id, serviceCode/quotaCode, required, critical]` — the bill reduced to what the preflight compares. */
function table(profile: 'mvp-500' | 'scale-3000', overrides = {}): [string, string, number, boolean][] {
  return computeQuotaBill(profileConfig(profile, overrides)).lines.map((l) => [
    l.id,
    `${l.serviceCode}/${l.quotaCode}`,
    l.required,
    l.critical,
  ]);
}

describe('computeQuotaBill', () => {
  it('mvp-500 equals the hand-computed bill', () => {
    expect(table('mvp-500')).toEqual([
      // coder-system 2 × m7i.large 2 + coder-prov 2 × c7i.2xlarge 8 + coder-ws 20 × m7i.12xlarge 48 = 4 + 16 + 960 = 980
      // + largest single-group surge: coder-ws max(2 × 2 AZs, maxUnavailable 1) = 4 nodes × 48 = 192 → 1,172
      // × 1.2 = 1,406.4 → 1,407 (aws-quotas.md §2.3)
      ['ec2-ondemand-standard-vcpu', 'ec2/L-1216C47A', 1407, true],
      // 1 NAT gateway → 1 Elastic IP
      ['ec2-elastic-ips', 'ec2/L-0263D0A3', 1, true],
      ['vpc-nat-per-az', 'vpc/L-FE5A380F', 1, true],
      ['vpc-vpcs', 'vpc/L-F678F1CE', 1, true],
      ['vpc-internet-gateways', 'vpc/L-A4707A72', 1, true],
      // 3 tiers (public, private, database) × 2 AZs
      ['vpc-subnets-per-vpc', 'vpc/L-407747CB', 6, false],
      // nodes 2×3 + 2×4 + 20×8 = 174; + NLB 2 + NAT 1 + endpoints 2×2 = 4 + RDS 2 + EKS 4 = 187; × 1.2 = 224.4 → 225
      ['vpc-network-interfaces', 'vpc/L-DF5E4CA3', 225, false],
      ['elb-network-load-balancers', 'elasticloadbalancing/L-69A177A2', 1, true],
      ['elb-target-groups', 'elasticloadbalancing/L-B22855CB', 1, false],
      ['eks-clusters', 'eks/L-1194D53C', 1, true],
      ['eks-node-groups-per-cluster', 'eks/L-6D54EA21', 3, false],
      // coder-ws max 20 + surge 4 = 24
      ['eks-nodes-per-node-group', 'eks/L-BD136A63', 24, true],
      ['autoscaling-groups', 'autoscaling/L-CDE20ADC', 3, false],
      // RDS instance 1 + restore-test instance 1 (no DB cluster for rds-postgres)
      ['rds-db-instances', 'rds/L-7B6409FD', 2, true],
      // 100 GB × (1 + 1 restored copy)
      ['rds-total-storage', 'rds/L-7ADDB58A', 200, false],
      // volumes 125×20 + 300×50 + 75×100 = 25,000 GiB; roots 2×50 + 2×100 + 20×100 = 2,300 GiB
      // 27,300 / 1024 = 26.66 TiB × 1.2 = 31.99 → 32
      ['ebs-gp3-tib', 'ebs/L-7A658B76', 32, true],
      // admin password, session token, provisioner key, DB master credentials
      ['secretsmanager-secrets', 'secretsmanager/L-2F66C23C', 4, false],
      ['kms-keys', 'kms/L-C2F1777E', 3, false],
      ['acm-certificates', 'acm/L-F141DD1D', 1, false],
      ['route53-hosted-zones', 'route53/L-4EA4796A', 1, false],
      // network, data, cluster, edge, schedule + CDKToolkit
      ['cloudformation-stacks', 'cloudformation/L-0485CB21', 6, false],
    ]);
    const od = computeQuotaBill(profileConfig('mvp-500')).lines[0]!;
    expect(od.base).toBe(1172);
    expect(od.arithmetic).toContain('= 980');
  });

  it('scale-3000 equals the hand-computed bill (fallback group, EC2 and GPU data-science workspaces)', () => {
    expect(table('scale-3000')).toEqual([
      // coder-control 3×2 = 6 + coder-prov 20×8 = 160 (the reference's 166) + coder-ws-ondemand fallback 20×8 = 160 → 326
      // + EC2 datasci-standard 3,000 × 6 % = 180 × m5.2xlarge 8 = 1,440 → 1,766
      // + largest surge: coder-prov max(2 × 3 AZs, 50 % of 20 = 10) = 10 × 8 = 80 → 1,846 (the reference assumed 6 nodes)
      // × 1.2 = 2,215.2 → 2,216
      ['ec2-ondemand-standard-vcpu', 'ec2/L-1216C47A', 2216, true],
      // coder-ws 200 × 8 = 1,600 + surge max(6, 25 % of 200 = 50) = 50 × 8 = 400 → 2,000; × 1.2 = 2,400
      ['ec2-spot-standard-vcpu', 'ec2/L-34B43A08', 2400, true],
      // ec2-datasci-gpu is enabled: datasci-large 90 × g4dn.4xlarge 16 = 1,440 + datasci-xlarge 30 × g5.8xlarge 32 = 960
      // = 2,400; × 1.2 = 2,880
      ['ec2-ondemand-gvt-vcpu', 'ec2/L-DB2E81BA', 2880, true],
      ['ec2-elastic-ips', 'ec2/L-0263D0A3', 3, true],
      ['vpc-nat-per-az', 'vpc/L-FE5A380F', 1, true],
      ['vpc-vpcs', 'vpc/L-F678F1CE', 1, true],
      ['vpc-internet-gateways', 'vpc/L-A4707A72', 1, true],
      // 5 tiers × 3 AZs
      ['vpc-subnets-per-vpc', 'vpc/L-407747CB', 15, false],
      // nodes 3×3 + 20×4 + 200×4 + 20×4 = 969; + NLB 3 + NAT 3 + endpoints 10×3 = 30 + Aurora 3 + EKS 4
      // + EC2 workspaces 180 + 90 + 30 = 300 → 1,312; × 1.2 = 1,574.4 → 1,575
      ['vpc-network-interfaces', 'vpc/L-DF5E4CA3', 1575, false],
      ['elb-network-load-balancers', 'elasticloadbalancing/L-69A177A2', 1, true],
      ['elb-target-groups', 'elasticloadbalancing/L-B22855CB', 1, false],
      ['eks-clusters', 'eks/L-1194D53C', 1, true],
      ['eks-node-groups-per-cluster', 'eks/L-6D54EA21', 4, false],
      // coder-ws 200 + surge 50
      ['eks-nodes-per-node-group', 'eks/L-BD136A63', 250, true],
      ['autoscaling-groups', 'autoscaling/L-CDE20ADC', 4, false],
      // Aurora cluster + restored cluster
      ['rds-db-clusters', 'rds/L-952B80B8', 2, true],
      // writer + 2 readers + restore-test db.serverless instance
      ['rds-db-instances', 'rds/L-7B6409FD', 4, true],
      // pods 750×20 + 1,350×50 + 300×100 + 300×100 = 142,500; EC2 180×500 + 90×1,000 + 30×2,000 = 240,000 → 382,500 GiB
      // roots 3×50 + 20×100 + 200×100 + 20×100 = 24,150 GiB; 406,650 / 1024 = 397.12 TiB × 1.2 = 476.5 → 477
      ['ebs-gp3-tib', 'ebs/L-7A658B76', 477, true],
      ['secretsmanager-secrets', 'secretsmanager/L-2F66C23C', 4, false],
      ['kms-keys', 'kms/L-C2F1777E', 3, false],
      ['acm-certificates', 'acm/L-F141DD1D', 1, false],
      ['route53-hosted-zones', 'route53/L-4EA4796A', 1, false],
      ['cloudformation-stacks', 'cloudformation/L-0485CB21', 6, false],
    ]);
  });

  it('reproduces the reference figures (aws-quotas.md §2.3) for the reference shape of scale-3000', () => {
    // The reference assumes maxUnavailable 1 everywhere, no on-demand fallback group and no EC2 workspaces.
    const config = profileConfig('scale-3000', {
      cluster: { nodeGroups: { 'coder-prov': { maxUnavailable: 1 }, 'coder-ws': { maxUnavailable: 1 } } },
    });
    delete config.cluster.nodeGroups['coder-ws-ondemand'];
    for (const size of ['datasci-standard', 'datasci-large', 'datasci-xlarge']) delete config.workspaces.sizes[size];
    config.workspaces.templates = ['pod-swdev'];
    const lines = computeQuotaBill(config).lines;
    const od = lines.find((l) => l.id === 'ec2-ondemand-standard-vcpu')!;
    const spot = lines.find((l) => l.id === 'ec2-spot-standard-vcpu')!;
    // OD: 3 × 2 + 20 × 8 = 166; + coder-prov surge max(2 × 3, 1) = 6 × 8 = 48 → 214; × 1.2 = 256.8 → 257
    expect([od.base - 48, od.base, od.required]).toEqual([166, 214, 257]);
    // Spot: 200 × 8 = 1,600; + coder-ws surge 6 × 8 = 48 → 1,648; × 1.2 = 1,977.6 → 1,978
    expect([spot.base - 48, spot.base, spot.required]).toEqual([1600, 1648, 1978]);
    expect(lines.map((l) => l.id)).not.toContain('ec2-ondemand-gvt-vcpu');
  });

  it('bills GPU buckets only when GPU templates are enabled, and follows the buffer', () => {
    // The data-science sizes moved to the CPU-only EC2 template: they bill On-Demand Standard instead.
    const noGpu = profileConfig('scale-3000', {
      workspaces: {
        templates: ['pod-swdev', 'ec2-datasci'],
        sizes: {
          'datasci-large': { template: 'ec2-datasci', instanceType: 'm5.4xlarge' },
          'datasci-xlarge': { template: 'ec2-datasci', instanceType: 'm5.8xlarge' },
        },
      },
    });
    const bill = computeQuotaBill(noGpu, { buffer: 0 });
    expect(bill.lines.map((l) => l.quotaCode)).not.toContain('L-DB2E81BA');
    // groups 326 + EC2 180 × 8 + 90 × 16 + 30 × 32 = 3,840 → 4,166 + surge 80 = 4,246, no buffer
    expect(bill.lines.find((l) => l.id === 'ec2-ondemand-standard-vcpu')!.required).toBe(4246);
    // the Route 53 quota is global (read in us-east-1)
    expect(bill.lines.find((l) => l.id === 'route53-hosted-zones')!.global).toBe(true);
  });
});
