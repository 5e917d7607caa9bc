/**
 * The architecture as a Mermaid flowchart, generated from the resolved config (not a picture of the
 * design documents): VPC, AZs and subnet tiers, NAT gateways, endpoints, the node groups with their sizes,
 * the database, the NLB, DNS names and the schedule. Pure.
 */
import { endpointExposure } from '../../config/endpoint-access.js';
import { NAMESPACES } from '../../config/profiles.js';
import { availabilityZones, coderHost, type CoderPlatformConfig } from '../../config/schema.js';

/** Mermaid node ids: letters, digits and underscores only. */
function id(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/** Labels are quoted; Mermaid has no escape for a double quote inside one. */
function label(text: string): string {
  return `"${text.replace(/"/g, "'")}"`;
}

/** The API endpoint as the diagram and summary show it. */
function apiEndpoint(config: CoderPlatformConfig): string {
  const exposure = endpointExposure(config);
  return exposure.kind === 'private'
    ? 'API endpoint private only'
    : `API endpoint private + public from ${exposure.cidrs.join(', ')}${exposure.kind === 'world' ? ' (world-open)' : ''}`;
}

export function architectureDiagram(config: CoderPlatformConfig): string {
  const azs = availabilityZones(config);
  const tiers = Object.keys(config.network.subnets);
  const host = coderHost(config);
  const out: string[] = ['flowchart TB'];
  const add = (line: string) => out.push(`  ${line}`);

  add(`users((${label('Users')}))`);
  add(`dns[${label(`Route 53: ${host}, *.${host}`)}]`);
  add(`nlb[${label('NLB: TLS 443 only (ELBSecurityPolicy-TLS13-1-2-Res-2021-06), API, apps and DERP relay')}]`);
  add('users --> dns --> nlb');

  add(`subgraph vpc[${label(`VPC ${config.network.vpcCidr}`)}]`);
  azs.forEach((az, azIndex) => {
    add(`  subgraph ${id('az', az)}[${label(az)}]`);
    for (const tier of tiers) {
      const cidr = config.network.subnets[tier]?.[azIndex];
      if (cidr) add(`    ${id('subnet', tier, az)}[${label(`${tier} ${cidr}`)}]`);
    }
    if (azIndex < config.network.natGateways) add(`    ${id('nat', az)}{{${label(`NAT gateway ${az}`)}}}`);
    add('  end');
  });
  const endpoints = ['s3 (gateway)', ...config.network.interfaceEndpoints];
  add(`  endpoints[${label(`VPC endpoints: ${endpoints.join(', ')}`)}]`);
  add(`  flowlogs[${label(`Flow logs → CloudWatch Logs, ${config.network.flowLogRetentionDays} days`)}]`);
  add(
    `  trail[${label(config.audit.cloudTrail === 'create' ? 'CloudTrail: multi-Region management events, KMS-encrypted, log file validation → S3 (2,555 days)' : 'CloudTrail: existing organization or multi-Region trail (none created)')}]`,
  );

  add(
    `  subgraph eks[${label(`EKS ${config.cluster.kubernetesVersion} (${apiEndpoint(config)}), VPC CNI network policy enforced`)}]`,
  );
  add(
    `    wsns[${label(`${NAMESPACES.workspaces}: Pod Security restricted; NetworkPolicy default deny, per workspace ingress from coderd only, egress DNS + HTTPS (or all) outside the VPC; pods safe-to-evict=false`)}]`,
  );
  for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
    const size = `${group.minSize}/${group.desiredSize}/${group.maxSize}`;
    const taints = group.taints.map((t) => `${t.key}:${t.effect}`).join(' ');
    const fallback = group.fallbackFor ? `, fallback for ${group.fallbackFor}` : '';
    add(
      `    ${id('ng', name)}[${label(`${name} (${group.role}): ${group.instanceTypes.join(' | ')} ${group.capacityType}, min/desired/max ${size}, ${group.subnetTier} subnets${taints ? `, taint ${taints}` : ''}${fallback}`)}]`,
    );
  }
  add('  end');

  const db = config.database;
  const dbText =
    db.engine === 'aurora-serverless-v2'
      ? `Aurora PostgreSQL ${db.engineVersion} Serverless v2: writer + ${db.readers} readers, ${db.minAcu ?? 0.5}–${db.maxAcu ?? 0.5} ACU`
      : `RDS PostgreSQL ${db.engineVersion} ${db.instanceClass ?? ''}${db.multiAz ? ' Multi-AZ' : ''}${db.readers ? ` + ${db.readers} readers` : ''}`;
  add(
    `  db[(${label(`${dbText}, database subnets, KMS-encrypted, backups ${db.backupRetentionDays} d${db.longTermRetentionDays ? ` + AWS Backup ${db.longTermRetentionDays} d` : ''}${db.crossRegionCopyRegion ? ` copied to ${db.crossRegionCopyRegion}` : ''}`)})]`,
  );
  add('end');

  // Traffic: NLB → coderd on the control group; nodes → database; nodes → NAT and endpoints.
  const control = Object.entries(config.cluster.nodeGroups).find(([, g]) => g.role === 'control')?.[0];
  if (control) add(`nlb -->|443 → 8080| ${id('ng', control)}`);
  for (const [name] of Object.entries(config.cluster.nodeGroups)) add(`${id('ng', name)} -.-> endpoints`);
  if (control) add(`${id('ng', control)} -->|5432 TLS, coderd and restore-test pods only| db`);
  const workspaceGroup = Object.entries(config.cluster.nodeGroups).find(([, g]) => g.role === 'workspace')?.[0];
  if (workspaceGroup) add(`wsns -.- ${id('ng', workspaceGroup)}`);
  const firstNat = azs[0];
  if (firstNat) add(`eks -->|egress| ${id('nat', firstNat)}`);

  if (config.schedule.enabled) {
    const groups = Object.entries(config.schedule.nodeGroups).map(
      ([name, s]) => `${name} min ${s.offHours}→${s.peak}→${s.offHours}`,
    );
    add(
      `schedule[${label(`EventBridge Scheduler ${config.schedule.timezone}: up ${config.schedule.scaleUp} (min := peak, desired := max(current, peak)), down ${config.schedule.scaleDown} (min only), ${config.schedule.weekdays.join(',')}: ${groups.join('; ')}`)}]`,
    );
    add(
      `scaler[${label('Step Functions: DescribeNodegroup → Choice → UpdateNodegroupConfig (never lowers desired)')}]`,
    );
    add('schedule -->|StartExecution| scaler');
    for (const name of Object.keys(config.schedule.nodeGroups))
      if (config.cluster.nodeGroups[name]) add(`scaler -.->|UpdateNodegroupConfig| ${id('ng', name)}`);
  } else {
    add(`schedule[${label('Business-hours schedule: disabled')}]`);
  }
  return `${out.join('\n')}\n`;
}

/** A few lines for a terminal: what the diagram shows. */
export function diagramSummary(config: CoderPlatformConfig): string[] {
  const azs = availabilityZones(config);
  const lines = [
    `VPC ${config.network.vpcCidr} over ${azs.length} AZs (${azs.join(', ')}), tiers ${Object.keys(config.network.subnets).join(', ')}, ${config.network.natGateways} NAT gateway${config.network.natGateways === 1 ? '' : 's'}`,
    `EKS ${config.cluster.kubernetesVersion} (${apiEndpoint(config)}): ${Object.entries(config.cluster.nodeGroups)
      .map(
        ([name, g]) =>
          `${name} ${g.instanceTypes[0]}${g.capacityType === 'SPOT' ? ' Spot' : ''} ${g.minSize}–${g.maxSize}`,
      )
      .join(', ')}`,
    config.database.engine === 'aurora-serverless-v2'
      ? `Aurora Serverless v2 writer + ${config.database.readers} readers, ${config.database.minAcu ?? 0.5}–${config.database.maxAcu ?? 0.5} ACU`
      : `RDS PostgreSQL ${config.database.instanceClass ?? ''}${config.database.multiAz ? ' Multi-AZ' : ''}`,
    `NLB (TLS 443 only; no STUN listener, clients use coderd's configured STUN servers) → https://${coderHost(config)} and *.${coderHost(config)}`,
    config.schedule.enabled
      ? `Schedule ${config.schedule.scaleUp}/${config.schedule.scaleDown} ${config.schedule.timezone} ${config.schedule.weekdays.join(',')}`
      : 'Schedule disabled',
  ];
  return lines;
}
