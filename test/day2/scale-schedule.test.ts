/**
 * day2 scale-schedule: `set` through the config file (comments kept, validated, schedule stack redeployed),
 * suspend / resume through a mocked Scheduler with the state recorded in the journal, and `show`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import type { PhaseRunner } from '../../src/phases/day2/phase-runner.js';
import { cronExpression } from '../../src/phases/day2/scale-schedule/schedule-math.js';
import {
  parseUntil,
  resumeIfExpired,
  resumeSchedules,
  setSchedule,
  showSchedule,
  suspendSchedules,
  type ScheduleTarget,
} from '../../src/phases/day2/scale-schedule/service.js';
import { ConfigError } from '../../src/errors.js';

const CONFIG = `# coder-platform configuration
apiVersion: coder-platform/v1
profile: mvp-500
deployment:
  name: demo
  environment: production
aws:
  region: us-east-1
dns:
  domain: example.com
coder:
  admin:
    email: admin@example.com
    username: admin
# business hours (seed-facts §7)
schedule:
  scaleUp: "06:45" # ready before 07:00
`;

const MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:demo-node-group-scaling';
const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

async function configFile(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'day2-sched-'));
  const file = path.join(dir, 'coder-platform.yaml');
  await writeFile(file, CONFIG);
  return { dir, file };
}

function schedulerWorld() {
  const scheduler = new SchedulerClient(creds);
  const mock = mockClient(scheduler);
  // the schedules start the scaling state machine with the group and the minimum (desired := max(current, min))
  const target = (ng: string, min: number) => ({
    Arn: MACHINE_ARN,
    RoleArn: 'arn:aws:iam::111122223333:role/demo-scheduler',
    Input: JSON.stringify({ ClusterName: 'demo', NodegroupName: ng, MinSize: min }),
  });
  const schedules = new Map<string, Record<string, unknown>>([
    [
      'demo-coder-ws-up',
      {
        Name: 'demo-coder-ws-up',
        GroupName: 'demo-schedules',
        State: 'ENABLED',
        ScheduleExpression: 'cron(45 6 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'America/New_York',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Description: 'morning',
        Target: target('demo-ws', 10),
      },
    ],
    [
      'demo-coder-ws-down',
      {
        Name: 'demo-coder-ws-down',
        GroupName: 'demo-schedules',
        State: 'ENABLED',
        ScheduleExpression: 'cron(15 18 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'America/New_York',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target('demo-ws', 2),
      },
    ],
  ]);
  mock
    .on(ListSchedulesCommand)
    .callsFake(() => ({ Schedules: [...schedules.values()].map((s) => ({ Name: s.Name, State: s.State })) }));
  mock.on(GetScheduleCommand).callsFake((i: { Name: string }) => structuredClone(schedules.get(i.Name)));
  mock.on(UpdateScheduleCommand).callsFake((i: Record<string, unknown>) => {
    schedules.set(i.Name as string, structuredClone(i));
    return {};
  });
  // what a deploy of the schedule stack makes from a config (assets/cdk/lib/schedule-stack.ts: names, cron, zone, sizes, State from schedule.enabled)
  const deploys: CoderPlatformConfig[] = [];
  let failDeploys = 0;
  const deploy = async (config: CoderPlatformConfig): Promise<void> => {
    deploys.push(config);
    if (failDeploys > 0) {
      failDeploys -= 1;
      throw new Error(
        'Stack demo-schedule UPDATE_ROLLBACK_COMPLETE: Resource handler returned message: "Rate exceeded"',
      );
    }
    schedules.clear();
    const c = config.schedule;
    for (const [group, sizes] of Object.entries(c.nodeGroups)) {
      for (const [kind, time, min] of [
        ['up', c.scaleUp, sizes.peak],
        ['down', c.scaleDown, sizes.offHours],
      ] as const) {
        const name = `demo-${group}-${kind}`;
        schedules.set(name, {
          Name: name,
          GroupName: 'demo-schedules',
          State: c.enabled ? 'ENABLED' : 'DISABLED',
          ScheduleExpression: cronExpression(time, c.weekdays),
          ScheduleExpressionTimezone: c.timezone,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target(`demo-${group}`, min),
        });
      }
    }
  };
  return { scheduler, mock, schedules, deploy, deploys, failNextDeploys: (n: number) => void (failDeploys = n) };
}

async function scheduleSetup(now: string) {
  const { dir, file } = await configFile();
  const config = parseConfigText(CONFIG, file);
  const world = schedulerWorld();
  const eks = new EKSClient(creds);
  mockClient(eks)
    .on(DescribeNodegroupCommand)
    .callsFake((i: { nodegroupName: string }) => ({
      nodegroup: {
        scalingConfig:
          i.nodegroupName === 'demo-ws'
            ? { minSize: 10, desiredSize: 12, maxSize: 20 }
            : { minSize: 1, desiredSize: 1, maxSize: 2 },
      },
    }));
  let clock = Date.parse(now);
  const services = {
    scheduler: world.scheduler,
    eks,
    now: () => new Date(clock),
    coder: { listWorkspaces: async () => ({ count: 7 }) },
    deploy: world.deploy,
  };
  const host = new RecordingHost();
  const target: ScheduleTarget = {
    deployment: 'demo',
    configPath: file,
    stateDir: dir,
    scheduleGroupName: 'demo-schedules',
    clusterName: 'demo',
    nodeGroupNames: { 'coder-ws': 'demo-ws', 'coder-prov': 'demo-prov' },
    config,
  };
  const run: PhaseRunner = (phase, s, overrides) =>
    runPhase(phase as Phase<typeof s>, s, {
      deployment: 'demo',
      stateDir: dir,
      command: 'coder-platform day2 scale-schedule',
      host,
      ...overrides,
    });
  const states = (): string[] => [...world.schedules.values()].map((x) => x.State as string);
  return { world, services, host, target, run, file, states, setNow: (iso: string) => void (clock = Date.parse(iso)) };
}

describe('scale-schedule set', () => {
  it('changes times, weekdays and sizes in the file keeping its comments, then redeploys the schedule stack', async () => {
    const s = await scheduleSetup('2026-12-02T15:00:00Z');
    const out = await setSchedule(s.target, s.services, s.run, {
      scaleUp: '06:30',
      weekdays: ['mon', 'tue', 'wed', 'thu'],
      nodeGroups: { 'coder-ws': { peak: 15, offHours: 3 } },
    });
    expect(out.phase.status).toBe('succeeded');
    expect(out.changed).toEqual([
      'schedule.scaleUp',
      'schedule.weekdays',
      'schedule.nodeGroups.coder-ws.peak',
      'schedule.nodeGroups.coder-ws.offHours',
    ]);
    const text = await readFile(s.file, 'utf8');
    expect(text).toContain('# business hours (seed-facts §7)');
    expect(text).toContain('scaleUp: "06:30" # ready before 07:00');
    expect(parseConfigText(text, s.file).schedule).toMatchObject({
      scaleUp: '06:30',
      scaleDown: '18:15',
      weekdays: ['MON', 'TUE', 'WED', 'THU'],
      nodeGroups: { 'coder-ws': { peak: 15, offHours: 3 }, 'coder-prov': { peak: 2, offHours: 1 } },
    });
    expect(out.deployed).toBe(true);
    expect(s.world.deploys).toHaveLength(1);
    expect(s.world.deploys[0]?.schedule.nodeGroups['coder-ws']).toEqual({ peak: 15, offHours: 3 });
    // the same set again: the file and the live schedules already say so, nothing is deployed
    const again = await setSchedule(s.target, s.services, s.run, { scaleUp: '06:30' });
    expect(again).toMatchObject({ changed: [], deployed: false });
    expect(s.world.deploys).toHaveLength(1);
  });

  it('a failed deploy is deployed again by re-running the same set (the file was already written)', async () => {
    const s = await scheduleSetup('2026-12-02T15:00:00Z');
    s.world.failNextDeploys(1);
    const failed = await setSchedule(s.target, s.services, s.run, { scaleDown: '18:30' });
    expect(failed.phase.status).toBe('failed');
    expect(failed.phase.failure?.stepId).toBe('deploy-schedule');
    expect(await readFile(s.file, 'utf8')).toContain('scaleDown: 18:30');
    const rerun = await setSchedule(s.target, s.services, s.run, { scaleDown: '18:30' });
    expect(rerun.phase.status).toBe('succeeded');
    expect(rerun).toMatchObject({ changed: [], deployed: true });
    expect(s.world.deploys).toHaveLength(2);
    expect(s.world.schedules.get('demo-coder-ws-down')?.ScheduleExpression).toBe('cron(30 18 ? * MON-FRI *)');
  });

  it('a dry run reports what would change and writes and deploys nothing', async () => {
    const s = await scheduleSetup('2026-12-02T15:00:00Z');
    const dry: PhaseRunner = (phase, svc, overrides) =>
      s.run(phase, svc, { ...overrides, dryRun: true } as typeof overrides);
    const out = await setSchedule(s.target, s.services, dry, { scaleDown: '18:30' });
    expect(out).toMatchObject({ changed: ['schedule.scaleDown'], deployed: false });
    expect(out.phase.status).toBe('planned');
    expect(await readFile(s.file, 'utf8')).toBe(CONFIG);
    expect(s.world.deploys).toHaveLength(0);
  });

  it('refuses off-hours above peak and peak above the group maximum, leaving the file and the stack alone', async () => {
    const s = await scheduleSetup('2026-12-02T15:00:00Z');
    const set = (changes: Parameters<typeof setSchedule>[3]) => setSchedule(s.target, s.services, s.run, changes);
    const offAbovePeak = set({ nodeGroups: { 'coder-ws': { offHours: 12 } } });
    await expect(offAbovePeak).rejects.toBeInstanceOf(ConfigError);
    await expect(offAbovePeak).rejects.toMatchObject({
      issues: [
        expect.objectContaining({
          path: 'schedule.nodeGroups.coder-ws.offHours',
          message: 'offHours 12 is above peak 10',
        }),
      ],
    });
    await expect(set({ nodeGroups: { 'coder-ws': { peak: 21 } } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ message: "peak 21 is above the group's maxSize 20" })],
    });
    await expect(set({ timezone: 'Mars/Olympus' })).rejects.toBeInstanceOf(ConfigError);
    await expect(set({ nodeGroups: { 'coder-system': { peak: 1, offHours: 1 } } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ message: expect.stringMatching(/control group is never scheduled/) })],
    });
    expect(await readFile(s.file, 'utf8')).toBe(CONFIG);
    expect(s.world.deploys).toHaveLength(0);
    expect(s.world.mock.commandCalls(ListSchedulesCommand)).toHaveLength(0);
  });
});

describe('scale-schedule drift from an older stack', () => {
  it('a schedule that still calls UpdateNodegroupConfig directly (desired := peak) is drift: set redeploys the stack', async () => {
    const s = await scheduleSetup('2026-12-02T15:00:00Z');
    const old = s.world.schedules.get('demo-coder-ws-up') as Record<string, unknown>;
    old.Target = {
      Arn: 'arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig',
      RoleArn: 'r',
      Input: JSON.stringify({
        ClusterName: 'demo',
        NodegroupName: 'demo-ws',
        ScalingConfig: { MinSize: 10, DesiredSize: 10 },
      }),
    };
    const out = await setSchedule(s.target, s.services, s.run, { scaleUp: '06:45' });
    expect(out).toMatchObject({ changed: [], deployed: true });
    expect(
      s.host.events.some(
        (e) =>
          e.code === 'SCHEDULE_DRIFT' &&
          /demo-coder-ws-up sets min - \(desired at least that\), not min 10/.test(e.message),
      ),
    ).toBe(true);
  });
});

describe('scale-schedule suspend / resume / show', () => {
  it('suspends every schedule keeping all its other fields, records the suspension in the config file, and show reports it', async () => {
    const s = await scheduleSetup('2026-12-23T15:00:00Z');
    const until = parseUntil('2027-01-04', 'America/New_York', s.services.now());
    expect(until).toBe('2027-01-04T05:00:00.000Z');
    const result = await suspendSchedules(s.target, s.services, s.run, until);
    expect(result.status).toBe('succeeded');
    const up = s.world.mock
      .commandCalls(UpdateScheduleCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.Name === 'demo-coder-ws-up');
    expect(up).toMatchObject({
      State: 'DISABLED',
      GroupName: 'demo-schedules',
      ScheduleExpression: 'cron(45 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Description: 'morning',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: MACHINE_ARN },
    });
    const text = await readFile(s.file, 'utf8');
    expect(text).toContain('scaleUp: "06:45" # ready before 07:00');
    expect(parseConfigText(text, s.file).schedule).toMatchObject({
      enabled: false,
      suspension: { since: '2026-12-23T15:00:00.000Z', until: '2027-01-04T05:00:00.000Z' },
    });
    const view = await showSchedule({ ...s.target, config: parseConfigText(text, s.file) }, s.services, {
      userTimezone: 'Europe/London',
    });
    expect(view).toMatchObject({
      enabled: true,
      suspended: true,
      suspendedUntil: '2027-01-04T05:00:00.000Z',
      next: [],
    });
    expect(view.schedules.map((x) => x.state)).toEqual(['DISABLED', 'DISABLED']);
  });

  it('a set (or day0) while suspended deploys the schedules disabled, because the suspension is in the config', async () => {
    const s = await scheduleSetup('2026-12-23T15:00:00Z');
    await suspendSchedules(s.target, s.services, s.run, '2027-01-04T05:00:00.000Z');
    const out = await setSchedule(s.target, s.services, s.run, { scaleUp: '07:00' });
    expect(out.deployed).toBe(true);
    expect(s.world.deploys[0]?.schedule.enabled).toBe(false);
    expect(s.states()).toEqual(['DISABLED', 'DISABLED', 'DISABLED', 'DISABLED']);
  });

  it('the first scale-schedule command after the --until date resumes the schedules (show, set, suspend); resume also works by hand', async () => {
    const s = await scheduleSetup('2026-12-23T15:00:00Z');
    await suspendSchedules(s.target, s.services, s.run, '2027-01-04T05:00:00.000Z');
    expect((await resumeIfExpired(s.target, s.services, s.run)).resumed).toBe(false);
    s.setNow('2027-01-04T06:00:00Z');
    const shown = await resumeIfExpired(s.target, s.services, s.run);
    expect(shown.resumed).toBe(true);
    expect(shown.target.config.schedule).toMatchObject({ enabled: true });
    expect(shown.target.config.schedule.suspension).toBeUndefined();
    expect(s.states()).toEqual(['ENABLED', 'ENABLED']);
    expect(s.host.events.some((e) => e.code === 'SCHEDULE_AUTO_RESUMED')).toBe(true);
    expect(await readFile(s.file, 'utf8')).not.toContain('suspension');

    // set after the date: resumes first, then deploys enabled schedules
    s.setNow('2027-01-10T12:00:00Z');
    await suspendSchedules(s.target, s.services, s.run, '2027-01-11T05:00:00.000Z');
    s.setNow('2027-01-11T06:00:00Z');
    const out = await setSchedule(s.target, s.services, s.run, { scaleUp: '07:00' });
    expect(out.schedule.enabled).toBe(true);
    expect(s.states()).toEqual(['ENABLED', 'ENABLED', 'ENABLED', 'ENABLED']);

    // no date: stays suspended until resume
    await suspendSchedules(s.target, s.services, s.run, null);
    s.setNow('2030-01-01T00:00:00Z');
    expect((await resumeIfExpired(s.target, s.services, s.run)).resumed).toBe(false);
    await resumeSchedules(s.target, s.services, s.run);
    expect(s.states()).toEqual(['ENABLED', 'ENABLED', 'ENABLED', 'ENABLED']);
    expect(parseConfigText(await readFile(s.file, 'utf8'), s.file).schedule.enabled).toBe(true);
  });

  it('shows sizes, the next transitions in both zones, node-group sizes and warns about running workspaces', async () => {
    const s = await scheduleSetup('2026-03-06T20:00:00Z');
    const view = await showSchedule(s.target, s.services, { userTimezone: 'Europe/Berlin' });
    expect(view.schedules.find((x) => x.name === 'demo-coder-ws-up')).toMatchObject({
      nodegroup: 'demo-ws',
      minSize: 10,
      desiredAtLeast: 10,
      drift: false,
    });
    expect(view.schedules.find((x) => x.name === 'demo-coder-ws-down')).toMatchObject({
      minSize: 2,
      desiredAtLeast: 2,
    });
    expect(view.next.map((t) => t.at)).toEqual([
      '2026-03-06T23:15:00Z',
      '2026-03-09T10:45:00Z',
      '2026-03-09T22:15:00Z',
      '2026-03-10T10:45:00Z',
      '2026-03-10T22:15:00Z',
    ]);
    // the autoscaler grew coder-ws to 12 (> peak 10): the scale-up keeps 12; coder-prov at 1 (< peak 2) goes to 2
    expect(view.nodeGroups).toContainEqual({
      configName: 'coder-ws',
      eksName: 'demo-ws',
      minSize: 10,
      desiredSize: 12,
      maxSize: 20,
      peak: 10,
      offHours: 2,
      desiredAfterScaleUp: 12,
    });
    expect(view.nodeGroups).toContainEqual({
      configName: 'coder-prov',
      eksName: 'demo-prov',
      minSize: 1,
      desiredSize: 1,
      maxSize: 2,
      peak: 2,
      offHours: 1,
      desiredAfterScaleUp: 2,
    });
    expect(view.runningWorkspaces).toBe(7);
    expect(view.warnings).toEqual([
      expect.stringMatching(
        /^7 workspaces are running: after the scale-down at Fri 2026-03-06 18:15 \(America\/New_York\) only the minimum drops to 3 nodes/,
      ),
    ]);
  });
});
