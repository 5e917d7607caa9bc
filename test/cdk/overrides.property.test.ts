/**
 * Config overrides reach the synthesized templates, for generated values: a coder-platform.yaml with the
 * overrides is parsed and validated as a user's would be, the app is built in-process without cdk-nag and
 * without the CloudFormation validator (CDK_VALIDATION=false, vitest.config.ts), and the data and cluster
 * templates must carry the values. One synth per generated value set, so the run counts are small.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configYaml, resourcesOf, synthesize } from './synth.js';
import { parseConfigText } from '../../src/config/load.js';

const RUNS = 6;
const half = (min: number, max: number) => fc.integer({ min: min * 2, max: max * 2 }).map((n) => n / 2);

/** Sizes with min ≤ desired ≤ max, max at least the schedule's peak of the group. */
const bounds = (peak: number, cap: number) =>
  fc.tuple(fc.integer({ min: peak, max: cap }), fc.nat(), fc.nat()).map(([maxSize, a, b]) => {
    const desiredSize = a % (maxSize + 1);
    return { minSize: b % (desiredSize + 1), desiredSize, maxSize };
  });

function nodeGroups(json: ReturnType<ReturnType<typeof synthesize>['json']>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(resourcesOf(json, 'AWS::EKS::Nodegroup').map(([, p]) => [String(p.NodegroupName), p]));
}

describe('config overrides reach the synthesized templates (fast-check, one synth per run)', () => {
  it(`scale-3000: Aurora ACUs, readers, backup days and the workspace group's sizes and types (${RUNS} runs)`, () => {
    const aurora = fc.record({
      acu: half(0, 64).chain((minAcu) => half(Math.max(1, minAcu), 256).map((maxAcu) => ({ minAcu, maxAcu }))),
      readers: fc.integer({ min: 0, max: 2 }),
      backupRetentionDays: fc.integer({ min: 1, max: 35 }),
      ws: bounds(50, 200),
      types: fc.subarray(['m5.2xlarge', 'm5a.2xlarge', 'm5n.2xlarge', 'm6i.2xlarge', 'm7i.2xlarge'], { minLength: 1 }),
    });
    fc.assert(
      fc.property(aurora, ({ acu, readers, backupRetentionDays, ws, types }) => {
        const extra = [
          'database:',
          `  minAcu: ${acu.minAcu}`,
          `  maxAcu: ${acu.maxAcu}`,
          `  readers: ${readers}`,
          `  backupRetentionDays: ${backupRetentionDays}`,
          'cluster:',
          '  nodeGroups:',
          '    coder-ws:',
          `      minSize: ${ws.minSize}`,
          `      desiredSize: ${ws.desiredSize}`,
          `      maxSize: ${ws.maxSize}`,
          `      instanceTypes: [${types.join(', ')}]`,
          '',
        ].join('\n');
        const s = synthesize(parseConfigText(configYaml('scale-3000', extra), 'generated.yaml'), { nag: false });
        const data = s.json('data');
        const [[, cluster]] = resourcesOf(data, 'AWS::RDS::DBCluster') as [[string, Record<string, unknown>]];
        expect(cluster.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: acu.minAcu, MaxCapacity: acu.maxAcu });
        expect(cluster.BackupRetentionPeriod).toBe(backupRetentionDays);
        expect(resourcesOf(data, 'AWS::RDS::DBInstance')).toHaveLength(1 + readers);
        const group = nodeGroups(s.json('cluster'))['coder-ws'];
        expect(group).toBeDefined();
        expect(group?.ScalingConfig).toEqual({ MinSize: ws.minSize, DesiredSize: ws.desiredSize, MaxSize: ws.maxSize });
        expect(group?.InstanceTypes).toEqual(types);
      }),
      { numRuns: RUNS },
    );
  });

  it(`mvp-500: RDS storage, class, Multi-AZ and backup days, and the provisioner group's sizes (${RUNS} runs)`, () => {
    const rds = fc.record({
      allocatedStorageGiB: fc.integer({ min: 20, max: 65_536 }),
      instanceClass: fc.constantFrom('db.m7i.large', 'db.m7i.xlarge', 'db.r7g.large', 'db.m6i.2xlarge'),
      multiAz: fc.boolean(),
      backupRetentionDays: fc.integer({ min: 1, max: 35 }),
      prov: bounds(2, 2),
    });
    fc.assert(
      fc.property(rds, ({ allocatedStorageGiB, instanceClass, multiAz, backupRetentionDays, prov }) => {
        const extra = [
          'database:',
          `  allocatedStorageGiB: ${allocatedStorageGiB}`,
          `  instanceClass: ${instanceClass}`,
          `  multiAz: ${multiAz}`,
          `  backupRetentionDays: ${backupRetentionDays}`,
          'cluster:',
          '  nodeGroups:',
          '    coder-prov:',
          `      minSize: ${prov.minSize}`,
          `      desiredSize: ${prov.desiredSize}`,
          `      maxSize: ${prov.maxSize}`,
          '',
        ].join('\n');
        const s = synthesize(parseConfigText(configYaml('mvp-500', extra), 'generated.yaml'), { nag: false });
        const [[, db]] = resourcesOf(s.json('data'), 'AWS::RDS::DBInstance') as [[string, Record<string, unknown>]];
        expect(db).toMatchObject({
          AllocatedStorage: String(allocatedStorageGiB),
          DBInstanceClass: instanceClass,
          MultiAZ: multiAz,
          BackupRetentionPeriod: backupRetentionDays,
        });
        const group = nodeGroups(s.json('cluster'))['coder-prov'];
        expect(group).toBeDefined();
        expect(group?.ScalingConfig).toEqual({
          MinSize: prov.minSize,
          DesiredSize: prov.desiredSize,
          MaxSize: prov.maxSize,
        });
      }),
      { numRuns: RUNS },
    );
  });
});
