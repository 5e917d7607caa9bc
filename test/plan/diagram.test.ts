import { describe, expect, it } from 'vitest';
import { architectureDiagram } from '../../src/phases/plan/diagram.js';
import { testConfig } from '../day0/fakes.js';

describe('architecture diagram', () => {
  it('scale-3000: every configured node group with its size, every tier per AZ, 3 NAT gateways, Aurora and the schedule', () => {
    const mmd = architectureDiagram(testConfig('scale-3000'));
    expect(mmd.startsWith('flowchart TB\n')).toBe(true);
    expect(mmd).toContain('coder-control (control): m5.large ON_DEMAND, min/desired/max 2/2/3');
    expect(mmd).toContain('coder-prov (provisioner): c5.2xlarge ON_DEMAND, min/desired/max 0/0/20');
    expect(mmd).toContain(
      'coder-ws (workspace): m5.2xlarge | m5a.2xlarge | m5n.2xlarge | m6i.2xlarge SPOT, min/desired/max 10/10/200',
    );
    expect(mmd).toContain(
      'coder-ws-ondemand (workspace): m5.2xlarge ON_DEMAND, min/desired/max 0/0/20, workspace subnets, taint coder-ws:NoSchedule, fallback for coder-ws',
    );
    for (const subnet of [
      'public 10.0.32.0/20',
      'control 10.0.48.0/20',
      'provisioner 10.0.128.0/20',
      'workspace 10.0.176.0/20',
      'database 10.0.224.0/21',
    ])
      expect(mmd).toContain(subnet);
    expect(mmd.match(/NAT gateway us-east-1[abc]/g)).toHaveLength(3);
    expect(mmd).toContain('Aurora PostgreSQL 16.6 Serverless v2: writer + 2 readers, 0.5–16 ACU');
    expect(mmd).toContain('Route 53: coder.example.com, *.coder.example.com');
    expect(mmd).toContain(
      'America/New_York: up 06:45 (min := peak, desired := max(current, peak)), down 18:15 (min only)',
    );
    expect(mmd).toContain('schedule -->|StartExecution| scaler');
    expect(mmd).toContain('scaler -.->|UpdateNodegroupConfig| ng_coder_ws');
    // only the TLS listener: no STUN port without a backend
    expect(mmd).not.toMatch(/3478|UDP/);
    expect(mmd).toContain('EKS 1.34 (API endpoint private only)');
    expect(mmd).toContain('CloudTrail: multi-Region management events, KMS-encrypted, log file validation');
    // what keeps workspaces apart and the database closed (issue 11)
    expect(mmd).toContain('VPC CNI network policy enforced');
    expect(mmd).toContain('coder-ws: Pod Security restricted; NetworkPolicy default deny');
    expect(mmd).toContain('pods safe-to-evict=false');
    expect(mmd).toMatch(/ng_coder_control -->\|5432 TLS, coderd and restore-test pods only\| db/);
  });

  it('shows a CIDR-limited or world-open API endpoint and an existing trail', () => {
    const limited = architectureDiagram(
      testConfig(
        'mvp-500',
        'cluster: {endpointAccess: {mode: public-and-private, publicCidrs: [203.0.113.0/24]}}\naudit: {cloudTrail: existing}\n',
      ),
    );
    expect(limited).toContain('EKS 1.34 (API endpoint private + public from 203.0.113.0/24)');
    expect(limited).toContain('CloudTrail: existing organization or multi-Region trail (none created)');
    const world = architectureDiagram(
      testConfig('mvp-500', 'cluster: {endpointAccess: {mode: public-and-private, publicCidrs: [0.0.0.0/0]}}\n'),
    );
    expect(world).toContain('public from 0.0.0.0/0 (world-open)');
  });

  it('mvp-500: 2 AZs, one NAT gateway, RDS Multi-AZ, and follows overrides', () => {
    const mmd = architectureDiagram(testConfig('mvp-500', 'cluster: {nodeGroups: {coder-ws: {maxSize: 30}}}\n'));
    expect(mmd.match(/NAT gateway/g)).toHaveLength(1);
    expect(mmd).toContain('private 10.0.64.0/19');
    expect(mmd).not.toContain('us-east-1c');
    expect(mmd).toContain('RDS PostgreSQL 15 db.m7i.large Multi-AZ');
    expect(mmd).toContain('coder-ws (workspace): m7i.12xlarge ON_DEMAND, min/desired/max 2/2/30');
    // Mermaid ids carry no dots or hyphens
    for (const [, id] of mmd.matchAll(/^\s+([^\s[({]+)[[({]/gm)) expect(id).toMatch(/^[A-Za-z0-9_]+$/);
  });
});
