/**
 * Schedule: business-hours scaling of node groups with EventBridge Scheduler calling EKS
 * UpdateNodegroupConfig in the configured time zone. Morning: raise min and desired to the peak. Evening:
 * lower only the minimum (seed-facts defect 23); the cluster autoscaler removes empty nodes.
 */
import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import type { CoderPlatformConfig } from '../../../src/config/schema.js';
import { OUTPUT_KEYS } from '../../../src/deployment/outputs.js';
import type { ClusterStack } from './cluster-stack.js';
import { acknowledge, attachPolicy } from './common.js';

export const UPDATE_NODEGROUP_TARGET = 'arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig';
const WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** `MON,TUE,WED,THU,FRI` → `MON-FRI`; non-consecutive days stay a list. */
export function dayOfWeekField(days: readonly string[]): string {
  const sorted = [...new Set(days)].sort((a, b) => WEEK.indexOf(a) - WEEK.indexOf(b));
  const runs: string[][] = [];
  for (const day of sorted) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && WEEK.indexOf(day) === WEEK.indexOf(last) + 1) run.push(day);
    else runs.push([day]);
  }
  return runs.map((run) => (run.length > 2 ? `${run[0]}-${run.at(-1)}` : run.join(','))).join(',');
}

/** `06:45` + days → `cron(45 6 ? * MON-FRI *)` (EventBridge Scheduler cron has six fields). */
export function weekdayCron(hhmm: string, days: readonly string[]): string {
  const [hours, minutes] = hhmm.split(':').map((part) => Number.parseInt(part, 10));
  return `cron(${minutes} ${hours} ? * ${dayOfWeekField(days)} *)`;
}

export interface ScheduleStackProps extends StackProps {
  config: CoderPlatformConfig;
  cluster: ClusterStack;
}

export class ScheduleStack extends Stack {
  constructor(scope: Construct, id: string, props: ScheduleStackProps) {
    super(scope, id, props);
    const { config, cluster } = props;
    const name = config.deployment.name;
    const schedule = config.schedule;
    const state = schedule.enabled ? 'ENABLED' : 'DISABLED';

    const group = new scheduler.CfnScheduleGroup(this, 'Group', { name: `${name}-node-groups` });
    const nodegroupArn = (groupName: string) => this.formatArn({ service: 'eks', resource: 'nodegroup', resourceName: `${cluster.clusterName}/${groupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const groups = Object.keys(schedule.nodeGroups);

    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
      description: `${name}: business-hours node-group scaling`,
    });
    attachPolicy(role, [new iam.PolicyStatement({ actions: ['eks:UpdateNodegroupConfig'], resources: groups.map(nodegroupArn) })]);
    acknowledge(
      role,
      'AwsSolutions-IAM5',
      'A node group ARN ends in an id EKS generates at creation; the ARN is pinned to this cluster and the named scheduled node groups.',
      groups.map((g) => `Resource::arn:<AWS::Partition>:eks:${this.region}:${this.account}:nodegroup/${cluster.clusterName}/${g}/*`),
    );

    const scheduleNames: string[] = [];
    for (const [groupName, counts] of Object.entries(schedule.nodeGroups)) {
      const nodegroup = cluster.nodegroups[groupName];
      if (!nodegroup) throw new Error(`schedule.nodeGroups.${groupName} names no node group in cluster.nodeGroups`);
      const target = (scalingConfig: Record<string, number>) => ({
        arn: UPDATE_NODEGROUP_TARGET,
        roleArn: role.roleArn,
        input: JSON.stringify({ ClusterName: cluster.clusterName, NodegroupName: groupName, ScalingConfig: scalingConfig }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 },
      });
      const up = `${name}-${groupName}-up`;
      const down = `${name}-${groupName}-down`;
      new scheduler.CfnSchedule(this, `ScaleUp-${groupName}`, {
        name: up,
        groupName: group.ref,
        description: `Raise ${groupName} min and desired to ${counts.peak} before business hours`,
        scheduleExpression: weekdayCron(schedule.scaleUp, schedule.weekdays),
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state,
        target: target({ MinSize: counts.peak, DesiredSize: counts.peak }),
      });
      new scheduler.CfnSchedule(this, `ScaleDown-${groupName}`, {
        name: down,
        groupName: group.ref,
        description: `Lower ${groupName} min to ${counts.offHours} after business hours (desired untouched; the autoscaler removes empty nodes)`,
        scheduleExpression: weekdayCron(schedule.scaleDown, schedule.weekdays),
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state,
        target: target({ MinSize: counts.offHours }),
      });
      scheduleNames.push(`${groupName}:up=${up};down=${down}`);
    }

    new CfnOutput(this, OUTPUT_KEYS.schedule.scheduleGroupName, { value: group.ref });
    new CfnOutput(this, OUTPUT_KEYS.schedule.schedulerRoleArn, { value: role.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.schedule.scheduleNames, { value: scheduleNames.join(',') || 'none' });
  }
}
