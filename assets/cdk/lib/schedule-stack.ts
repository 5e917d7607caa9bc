/**
 * Schedule: business-hours scaling of node groups. EventBridge Scheduler starts a Step Functions state machine
 * (StartExecution) in the configured time zone with a node group and a target minimum; the state machine reads
 * the group (eks:DescribeNodegroup) and, in a JSONata Choice, raises the minimum to the target and the desired
 * size to max(current desired, target): it never lowers the desired size, so a group the cluster autoscaler grew
 * above the peak keeps its nodes (EKS would otherwise remove them without respecting disruption budgets,
 * seed-facts defect 23). Morning: target = peak. Evening: target = offHours, which lowers only the minimum; the
 * autoscaler then removes empty nodes by its own rules.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { CoderPlatformConfig } from '../../../src/config/schema.js';
import { OUTPUT_KEYS } from '../../../src/deployment/outputs.js';
import type { ClusterStack } from './cluster-stack.js';
import { acknowledge } from './common.js';

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

/** Execution input every schedule sends: the node group and the minimum to set (desired becomes at least that). */
export interface ScaleInput {
  ClusterName: string;
  NodegroupName: string;
  MinSize: number;
}

/** State names of the scaling state machine (tests walk the synthesized definition by them). */
export const SCALE_STATES = {
  describe: 'DescribeNodegroup',
  choice: 'DesiredAlreadyLargeEnough',
  minOnly: 'SetMinimumOnly',
  minAndDesired: 'SetMinimumAndDesired',
} as const;

/**
 * The scaling workflow: DescribeNodegroup → Choice (current desired ≥ target?) → UpdateNodegroupConfig with
 * MinSize only, or with MinSize and DesiredSize = target. Both keep min ≤ desired; desired ≤ max holds because
 * the config validation keeps peak and offHours within the group's maxSize. The raise branch runs only when the
 * desired size it read was below the target; only an autoscaler scale-up landing between that read and the write
 * (a fraction of a second) could be undone, and the autoscaler then scales up again.
 */
function scalingDefinition(scope: Construct, nodegroupArns: string[]): sfn.IChainable {
  const input = (field: keyof ScaleInput) => `{% $states.input.${field} %}`;
  const describe = tasks.CallAwsService.jsonata(scope, SCALE_STATES.describe, {
    service: 'eks',
    action: 'describeNodegroup',
    iamResources: nodegroupArns,
    parameters: { ClusterName: input('ClusterName'), NodegroupName: input('NodegroupName') },
    outputs: {
      ClusterName: input('ClusterName'),
      NodegroupName: input('NodegroupName'),
      MinSize: input('MinSize'),
      CurrentDesiredSize: '{% $states.result.Nodegroup.ScalingConfig.DesiredSize %}',
    },
  });
  const update = (id: string, scalingConfig: Record<string, string>) => {
    const task = tasks.CallAwsService.jsonata(scope, id, {
      service: 'eks',
      action: 'updateNodegroupConfig',
      iamResources: nodegroupArns,
      parameters: {
        ClusterName: input('ClusterName'),
        NodegroupName: input('NodegroupName'),
        ScalingConfig: scalingConfig,
      },
    });
    // EKS refuses a change while another update of the group runs (e.g. a version update): wait and retry.
    task.addRetry({
      errors: ['Eks.ResourceInUseException'],
      interval: Duration.seconds(30),
      maxAttempts: 6,
      backoffRate: 2,
    });
    return task;
  };
  const minOnly = update(SCALE_STATES.minOnly, { MinSize: input('MinSize') });
  const minAndDesired = update(SCALE_STATES.minAndDesired, {
    MinSize: input('MinSize'),
    DesiredSize: input('MinSize'),
  });
  const choice = sfn.Choice.jsonata(scope, SCALE_STATES.choice, {
    comment: 'Never lower the desired size: keep max(current desired, target).',
  })
    .when(sfn.Condition.jsonata('{% $states.input.CurrentDesiredSize >= $states.input.MinSize %}'), minOnly)
    .otherwise(minAndDesired);
  return describe.next(choice);
}

export class ScheduleStack extends Stack {
  constructor(scope: Construct, id: string, props: ScheduleStackProps) {
    super(scope, id, props);
    const { config, cluster } = props;
    const name = config.deployment.name;
    const schedule = config.schedule;
    const state = schedule.enabled ? 'ENABLED' : 'DISABLED';

    const group = new scheduler.CfnScheduleGroup(this, 'Group', { name: `${name}-node-groups` });
    const nodegroupArn = (groupName: string) =>
      this.formatArn({
        service: 'eks',
        resource: 'nodegroup',
        resourceName: `${cluster.clusterName}/${groupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const groups = Object.keys(schedule.nodeGroups);
    for (const groupName of groups) {
      if (!cluster.nodegroups[groupName])
        throw new Error(`schedule.nodeGroups.${groupName} names no node group in cluster.nodeGroups`);
    }
    const machine = this.scalingStateMachine(name, cluster.clusterName, groups, nodegroupArn);

    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `${name}: business-hours node-group scaling (starts the scaling state machine)`,
    });
    new iam.ManagedPolicy(role, 'Policy', {
      statements: [
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [machine.stateMachineArn] }),
      ],
      roles: [role],
    });

    const scheduleNames: string[] = [];
    for (const [groupName, counts] of Object.entries(schedule.nodeGroups)) {
      const target = (minSize: number) => ({
        arn: machine.stateMachineArn,
        roleArn: role.roleArn,
        input: JSON.stringify({
          ClusterName: cluster.clusterName,
          NodegroupName: groupName,
          MinSize: minSize,
        } satisfies ScaleInput),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 },
      });
      const up = `${name}-${groupName}-up`;
      const down = `${name}-${groupName}-down`;
      new scheduler.CfnSchedule(this, `ScaleUp-${groupName}`, {
        name: up,
        groupName: group.ref,
        description: `Raise ${groupName} min to ${counts.peak} and desired to max(current, ${counts.peak}) before business hours`,
        scheduleExpression: weekdayCron(schedule.scaleUp, schedule.weekdays),
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state,
        target: target(counts.peak),
      });
      new scheduler.CfnSchedule(this, `ScaleDown-${groupName}`, {
        name: down,
        groupName: group.ref,
        description: `Lower ${groupName} min to ${counts.offHours} after business hours (desired never lowered; the autoscaler removes empty nodes)`,
        scheduleExpression: weekdayCron(schedule.scaleDown, schedule.weekdays),
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state,
        target: target(counts.offHours),
      });
      scheduleNames.push(`${groupName}:up=${up};down=${down}`);
    }

    new CfnOutput(this, OUTPUT_KEYS.schedule.scheduleGroupName, { value: group.ref });
    new CfnOutput(this, OUTPUT_KEYS.schedule.schedulerRoleArn, { value: role.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.schedule.scheduleNames, { value: scheduleNames.join(',') || 'none' });
    new CfnOutput(this, OUTPUT_KEYS.schedule.stateMachineArn, { value: machine.stateMachineArn });
  }

  private scalingStateMachine(
    name: string,
    clusterName: string,
    groups: string[],
    nodegroupArn: (group: string) => string,
  ): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, 'ScalingLogs', {
      logGroupName: `/coder-platform/${name}/node-group-scaling`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      logGroup,
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'The scaling log holds node-group names and sizes only; CloudWatch Logs encrypts all log data at rest (service-managed keys).',
    );
    const machine = new sfn.StateMachine(this, 'ScalingStateMachine', {
      stateMachineName: `${name}-node-group-scaling`,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(scalingDefinition(this, groups.map(nodegroupArn))),
      timeout: Duration.hours(1),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'Business-hours scaling: min := target, desired := max(current desired, target)',
    });
    acknowledge(
      machine,
      'AwsSolutions-SF2',
      'X-Ray tracing is off: the workflow makes one DescribeNodegroup and one UpdateNodegroupConfig call; execution history and ALL-level logs record every step with its input and output.',
    );
    acknowledge(
      machine,
      'NIST.800.53.R5-IAMNoInlinePolicy',
      'The state machine role carries the policy CDK generates for its tasks: eks:DescribeNodegroup and eks:UpdateNodegroupConfig on the scheduled node groups, and log delivery.',
    );
    acknowledge(
      machine,
      'AwsSolutions-IAM5',
      'A node group ARN ends in an id EKS generates at creation, so the ARNs are pinned to this cluster and the scheduled node groups by name; CloudWatch Logs delivery actions (logs:CreateLogDelivery and related) do not support resource-level permissions.',
      [
        'Resource::*',
        ...groups.map(
          (g) => `Resource::arn:<AWS::Partition>:eks:${this.region}:${this.account}:nodegroup/${clusterName}/${g}/*`,
        ),
      ],
    );
    return machine;
  }
}
