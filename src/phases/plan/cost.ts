/**
 * The monthly cost estimate of a configured platform, from a price table. Two figures: 24×7 (every scheduled
 * node group held at its peak around the clock, the database at its peak capacity) and with the
 * business-hours schedule (peak counts between scale-up and scale-down on the schedule's weekdays, off-hours
 * counts otherwise). Pure: no I/O.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import { scheduledDesiredSize } from '../../sizing/schedule-target.js';
import type { PriceTable } from './pricing.js';

export interface CostLine {
  item: string;
  /** How many of `unit` (for scheduled items: the 24×7 quantity). */
  quantity: number;
  unit: string;
  /** USD per `unit` per `per`. */
  unitPrice: number;
  per: 'hour' | 'month';
  monthly24x7: number;
  monthlyScheduled: number;
}

export interface CostEstimate {
  /** The price table's date (YYYY-MM-DD). */
  tableDate: string;
  tableSource: string;
  currency: string;
  monthly24x7: number;
  monthlyWithSchedule: number;
  lines: CostLine[];
  /** Hours per month at peak under the schedule (the rest are off-hours). */
  peakHoursPerMonth: number;
  /** What the estimate assumes or leaves out, one sentence each. */
  assumptions: string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Hours between two HH:MM times of one day. */
function hoursBetween(from: string, to: string): number {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return Math.max(0, minutes(to) - minutes(from)) / 60;
}

/** Peak hours per month under the schedule; all hours when it is disabled. */
export function peakHoursPerMonth(config: CoderPlatformConfig, hoursPerMonth: number): number {
  if (!config.schedule.enabled) return hoursPerMonth;
  const perWeek = config.schedule.weekdays.length * hoursBetween(config.schedule.scaleUp, config.schedule.scaleDown);
  return (perWeek * hoursPerMonth) / (7 * 24);
}

/** The lines of an estimate being built, with the month's hours and what is assumed. */
interface Ledger {
  H: number;
  peakH: number;
  offH: number;
  lines: CostLine[];
  assumptions: string[];
  hourly(item: string, quantity: number, unit: string, unitPrice: number, scheduledHours?: number): void;
  monthly(item: string, quantity: number, unit: string, unitPrice: number, scheduledQuantity?: number): void;
}

function ledger(H: number, peakH: number, assumptions: string[]): Ledger {
  const lines: CostLine[] = [];
  const hourly = (item: string, quantity: number, unit: string, unitPrice: number, scheduledHours?: number) => {
    lines.push({
      item,
      quantity,
      unit,
      unitPrice,
      per: 'hour',
      monthly24x7: quantity * unitPrice * H,
      monthlyScheduled: (scheduledHours ?? quantity * H) * unitPrice,
    });
  };
  const monthly = (item: string, quantity: number, unit: string, unitPrice: number, scheduledQuantity?: number) => {
    lines.push({
      item,
      quantity,
      unit,
      unitPrice,
      per: 'month',
      monthly24x7: quantity * unitPrice,
      monthlyScheduled: (scheduledQuantity ?? quantity) * unitPrice,
    });
  };
  return { H, peakH, offH: H - peakH, lines, assumptions, hourly, monthly };
}

/** Node groups (peak in business hours, off-hours otherwise, when scheduled) and their root volumes. */
function nodeGroupLines(
  config: CoderPlatformConfig,
  table: PriceTable,
  { H, peakH, offH, assumptions, hourly, monthly }: Ledger,
): void {
  let rootGiB24 = 0;
  let rootGiBScheduled = 0;
  for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
    const schedule = config.schedule.nodeGroups[name];
    const off = schedule ? schedule.offHours : group.desiredSize;
    // The scale-up leaves max(current, peak) nodes; from the off-hours floor that is the peak (offHours ≤ peak).
    const peak = schedule ? scheduledDesiredSize(off, schedule.peak) : group.desiredSize;
    const nodeHours = schedule ? peak * peakH + off * offH : peak * H;
    const type = group.instanceTypes[0] ?? 'unknown';
    const onDemand = table.ec2OnDemandHourly[type];
    if (onDemand === undefined) assumptions.push(`No price for ${type} in the table: ${name} is counted at 0.`);
    const price = (onDemand ?? 0) * (group.capacityType === 'SPOT' ? table.spot.priceFactor : 1);
    const pool = group.instanceTypes.length > 1 ? ` (priced as ${type})` : '';
    hourly(
      `Node group ${name}: ${type} ${group.capacityType === 'SPOT' ? 'Spot' : 'On-Demand'}${pool}`,
      peak,
      'nodes',
      price,
      nodeHours,
    );
    rootGiB24 += peak * group.rootVolumeGiB;
    rootGiBScheduled += (nodeHours / H) * group.rootVolumeGiB;
  }
  monthly('Node root volumes (gp3)', rootGiB24, 'GiB', table.ebsGp3GbMonth, rootGiBScheduled);
}

/** The cluster, NAT gateways, public addresses, interface endpoints and the load balancer. */
function networkLines(config: CoderPlatformConfig, table: PriceTable, { hourly }: Ledger): void {
  hourly('EKS cluster', 1, 'cluster', table.eksClusterHourly);
  hourly('NAT gateways', config.network.natGateways, 'gateways', table.natGateway.hourly);
  // NAT gateways hold one Elastic IP each; an internet-facing NLB holds one public address per AZ.
  hourly(
    'Public IPv4 addresses (NAT, NLB)',
    config.network.natGateways + config.network.azCount,
    'addresses',
    table.publicIpv4Hourly,
  );
  if (config.network.interfaceEndpoints.length > 0) {
    hourly(
      `Interface endpoints (${config.network.interfaceEndpoints.length} × ${config.network.azCount} AZs)`,
      config.network.interfaceEndpoints.length * config.network.azCount,
      'endpoint-AZs',
      table.interfaceEndpointHourlyPerAz,
    );
  }
  const nlb = table.networkLoadBalancer;
  hourly(
    `Network Load Balancer (+${nlb.baselineLcu} LCU)`,
    1,
    'load balancer',
    nlb.hourly + nlb.baselineLcu * nlb.lcuHourly,
  );
}

function databaseLines(
  config: CoderPlatformConfig,
  table: PriceTable,
  { H, peakH, offH, assumptions, hourly, monthly }: Ledger,
): void {
  const db = config.database;
  if (db.engine === 'aurora-serverless-v2') {
    const aurora = table.auroraServerlessV2;
    const minAcu = db.minAcu ?? 0.5;
    const maxAcu = db.maxAcu ?? minAcu;
    const peakAcu = minAcu + aurora.peakAcuFraction * (maxAcu - minAcu);
    const instances = 1 + db.readers;
    const acuHours = config.schedule.enabled ? instances * (peakAcu * peakH + minAcu * offH) : instances * peakAcu * H;
    hourly(
      `Aurora Serverless v2 (${instances} instances, ${peakAcu} ACU each at peak, ${minAcu} off-hours)`,
      instances * peakAcu,
      'ACU',
      aurora.acuHourly,
      acuHours,
    );
    assumptions.push(aurora.note);
    monthly('Aurora storage (assumed)', aurora.assumedStorageGb, 'GB', aurora.storageGbMonth);
  } else {
    const cls = db.instanceClass ?? 'db.m7i.large';
    const price = table.rdsPostgresHourly[cls];
    if (price === undefined)
      assumptions.push(`No price for ${cls} in the table: the database instance is counted at 0.`);
    const copies = (db.multiAz ? 2 : 1) + db.readers;
    hourly(
      `RDS PostgreSQL ${cls}${db.multiAz ? ' Multi-AZ (primary + standby)' : ''}${db.readers ? ` + ${db.readers} readers` : ''}`,
      copies,
      'instances',
      price ?? 0,
    );
    monthly(
      `RDS gp3 storage (${db.allocatedStorageGiB ?? 100} GiB × ${copies})`,
      (db.allocatedStorageGiB ?? 100) * copies,
      'GiB',
      table.rdsGp3GbMonth,
    );
  }
}

/**
 * Workspace volumes: one per concurrent workspace, sized by the mix; they exist around the clock.
 * Pod templates keep a home volume (PVC); EC2 templates an EBS root/data volume.
 */
function workspaceVolumeLines(config: CoderPlatformConfig, table: PriceTable, { monthly }: Ledger): void {
  const sizes = Object.values(config.workspaces.sizes);
  for (const [label, group] of [
    ['pod templates', sizes.filter((s) => s.instanceType === undefined)],
    ['EC2 templates', sizes.filter((s) => s.instanceType !== undefined)],
  ] as const) {
    const share = group.reduce((sum, size) => sum + size.share / 100, 0);
    if (share === 0) continue;
    const gib =
      group.reduce((sum, size) => sum + (size.share / 100) * size.storageGiB, 0) * config.workspaces.concurrent;
    const count = Math.round(share * config.workspaces.concurrent);
    monthly(`Workspace volumes, ${label} (${count} workspaces, gp3)`, gib, 'GiB', table.ebsGp3GbMonth);
  }
}

export function estimateCost(config: CoderPlatformConfig, table: PriceTable): CostEstimate {
  const H = table.hoursPerMonth;
  const peakH = peakHoursPerMonth(config, H);
  const assumptions: string[] = [
    `Prices: ${table.source}`,
    `A month is ${H} hours; with the schedule, ${round2(peakH)} of them are peak hours (${config.schedule.weekdays.join(', ')} ${config.schedule.scaleUp}–${config.schedule.scaleDown} ${config.schedule.timezone}).`,
    `24×7 holds every scheduled node group at its peak size around the clock.`,
    'With the schedule, each scheduled group is counted at its peak in business hours and at its off-hours size otherwise: a floor. The morning sets desired to max(current, peak) and the evening lowers only the minimum, so nodes the autoscaler added stay until the autoscaler finds them empty.',
    table.spot.note,
    table.natGateway.note,
    table.networkLoadBalancer.note,
    "EC2 instances of EC2-backed workspace templates, data transfer, CloudWatch, Secrets Manager, KMS, backups and snapshots, CloudTrail log storage in S3 (the first copy of management events is free) and the scaling workflow's Step Functions state transitions (a few per scheduled group and day) are not included.",
  ];
  const book = ledger(H, peakH, assumptions);
  const { lines } = book;
  nodeGroupLines(config, table, book);
  networkLines(config, table, book);
  databaseLines(config, table, book);
  workspaceVolumeLines(config, table, book);

  const rounded = lines.map((line) => ({
    ...line,
    quantity: round2(line.quantity),
    monthly24x7: round2(line.monthly24x7),
    monthlyScheduled: round2(line.monthlyScheduled),
  }));
  return {
    tableDate: table.date,
    tableSource: table.source,
    currency: table.currency,
    monthly24x7: round2(lines.reduce((sum, line) => sum + line.monthly24x7, 0)),
    monthlyWithSchedule: round2(lines.reduce((sum, line) => sum + line.monthlyScheduled, 0)),
    lines: rounded,
    peakHoursPerMonth: round2(peakH),
    assumptions,
  };
}
