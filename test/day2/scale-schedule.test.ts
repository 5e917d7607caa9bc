/**
 * day2 scale-schedule: `set` through the config file (comments kept, validated, schedule stack redeployed),
 * suspend / resume through a mocked Scheduler with the state recorded in the journal, and `show`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import type { PhaseRunner } from '../../src/day2/phase-runner.js';
import { setSchedule } from '../../src/day2/schedule-config.js';
import { parseUntil, resumeIfExpired, resumeSchedules, showSchedule, suspendSchedules, type ScheduleTarget } from '../../src/day2/scale-schedule.js';
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

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

async function configFile(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'day2-sched-'));
  const file = path.join(dir, 'coder-platform.yaml');
  await writeFile(file, CONFIG);
  return { dir, file };
}

describe('scale-schedule set', () => {
  it('changes times, weekdays and sizes in the file keeping its comments, then redeploys the schedule stack', async () => {
    const { file } = await configFile();
    const deployed: CoderPlatformConfig[] = [];
    const out = await setSchedule({ configPath: file, changes: { scaleUp: '06:30', weekdays: ['mon', 'tue', 'wed', 'thu'], nodeGroups: { 'coder-ws': { peak: 15, offHours: 3 } } }, deploy: async (c) => void deployed.push(c) });
    expect(out.changed).toEqual(['schedule.scaleUp', 'schedule.weekdays', 'schedule.nodeGroups.coder-ws.peak', 'schedule.nodeGroups.coder-ws.offHours']);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# business hours (seed-facts §7)');
    expect(text).toContain('scaleUp: "06:30" # ready before 07:00');
    expect(parseConfigText(text, file).schedule).toMatchObject({ scaleUp: '06:30', scaleDown: '18:15', weekdays: ['MON', 'TUE', 'WED', 'THU'], nodeGroups: { 'coder-ws': { peak: 15, offHours: 3 }, 'coder-prov': { peak: 2, offHours: 1 } } });
    expect(deployed).toHaveLength(1);
    expect(deployed[0]?.schedule.nodeGroups['coder-ws']).toEqual({ peak: 15, offHours: 3 });
  });

  it('refuses off-hours above peak and peak above the group maximum, leaving the file and the stack alone', async () => {
    const { file } = await configFile();
    let deploys = 0;
    const deploy = async (): Promise<void> => void deploys++;
    const offAbovePeak = setSchedule({ configPath: file, changes: { nodeGroups: { 'coder-ws': { offHours: 12 } } }, deploy });
    await expect(offAbovePeak).rejects.toBeInstanceOf(ConfigError);
    await expect(offAbovePeak).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'schedule.nodeGroups.coder-ws.offHours', message: 'offHours 12 is above peak 10' })] });
    await expect(setSchedule({ configPath: file, changes: { nodeGroups: { 'coder-ws': { peak: 21 } } }, deploy })).rejects.toMatchObject({ issues: [expect.objectContaining({ message: "peak 21 is above the group's maxSize 20" })] });
    await expect(setSchedule({ configPath: file, changes: { timezone: 'Mars/Olympus' }, deploy })).rejects.toBeInstanceOf(ConfigError);
    await expect(setSchedule({ configPath: file, changes: { nodeGroups: { 'coder-system': { peak: 1, offHours: 1 } } }, deploy })).rejects.toMatchObject({ issues: [expect.objectContaining({ message: expect.stringMatching(/control group is never scheduled/) })] });
    expect(await readFile(file, 'utf8')).toBe(CONFIG);
    expect(deploys).toBe(0);
  });
});

function schedulerWorld() {
  const scheduler = new SchedulerClient(creds);
  const mock = mockClient(scheduler);
  const target = (ng: string, min: number, desired?: number) => ({
    Arn: 'arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig', RoleArn: 'arn:aws:iam::111122223333:role/demo-scheduler',
    Input: JSON.stringify({ ClusterName: 'demo', NodegroupName: ng, ScalingConfig: { MinSize: min, ...(desired === undefined ? {} : { DesiredSize: desired }) } }),
  });
  const schedules = new Map<string, Record<string, unknown>>([
    ['demo-coder-ws-up', { Name: 'demo-coder-ws-up', GroupName: 'demo-schedules', State: 'ENABLED', ScheduleExpression: 'cron(45 6 ? * MON-FRI *)', ScheduleExpressionTimezone: 'America/New_York', FlexibleTimeWindow: { Mode: 'OFF' }, Description: 'morning', Target: target('demo-ws', 10, 10) }],
    ['demo-coder-ws-down', { Name: 'demo-coder-ws-down', GroupName: 'demo-schedules', State: 'ENABLED', ScheduleExpression: 'cron(15 18 ? * MON-FRI *)', ScheduleExpressionTimezone: 'America/New_York', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target('demo-ws', 2) }],
  ]);
  mock.on(ListSchedulesCommand).callsFake(() => ({ Schedules: [...schedules.values()].map((s) => ({ Name: s.Name, State: s.State })) }));
  mock.on(GetScheduleCommand).callsFake((i: { Name: string }) => structuredClone(schedules.get(i.Name)));
  mock.on(UpdateScheduleCommand).callsFake((i: Record<string, unknown>) => {
    schedules.set(i.Name as string, structuredClone(i));
    return {};
  });
  return { scheduler, mock, schedules };
}

async function scheduleSetup(now: string) {
  const { dir, file } = await configFile();
  const config = parseConfigText(CONFIG, file);
  const world = schedulerWorld();
  const eks = new EKSClient(creds);
  mockClient(eks).on(DescribeNodegroupCommand).callsFake((i: { nodegroupName: string }) => ({ nodegroup: { scalingConfig: i.nodegroupName === 'demo-ws' ? { minSize: 10, desiredSize: 12, maxSize: 20 } : { minSize: 1, desiredSize: 1, maxSize: 2 } } }));
  let clock = Date.parse(now);
  const services = { scheduler: world.scheduler, eks, now: () => new Date(clock), coder: { listWorkspaces: async () => ({ count: 7 }) } };
  const host = new RecordingHost();
  const target: ScheduleTarget = { deployment: 'demo', stateDir: dir, scheduleGroupName: 'demo-schedules', clusterName: 'demo', nodeGroupNames: { 'coder-ws': 'demo-ws', 'coder-prov': 'demo-prov' }, config };
  const run: PhaseRunner = (phase, s, overrides) => runPhase(phase as Phase<typeof s>, s, { deployment: 'demo', stateDir: dir, command: 'coder-platform day2 scale-schedule', host, ...overrides });
  return { world, services, host, target, run, setNow: (iso: string) => void (clock = Date.parse(iso)) };
}

describe('scale-schedule suspend / resume / show', () => {
  it('suspends every schedule keeping all its other fields, records --until, and show reports it', async () => {
    const s = await scheduleSetup('2026-12-23T15:00:00Z');
    const until = parseUntil('2027-01-04', 'America/New_York', s.services.now());
    expect(until).toBe('2027-01-04T05:00:00.000Z');
    const result = await suspendSchedules(s.target, s.services, s.run, until);
    expect(result.status).toBe('succeeded');
    const up = s.world.mock.commandCalls(UpdateScheduleCommand).map((c) => c.args[0].input).find((i) => i.Name === 'demo-coder-ws-up');
    expect(up).toMatchObject({ State: 'DISABLED', GroupName: 'demo-schedules', ScheduleExpression: 'cron(45 6 ? * MON-FRI *)', ScheduleExpressionTimezone: 'America/New_York', Description: 'morning', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: 'arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig' } });
    const view = await showSchedule(s.target, s.services, { userTimezone: 'Europe/London' });
    expect(view).toMatchObject({ suspended: true, suspendedUntil: '2027-01-04T05:00:00.000Z', next: [] });
    expect(view.schedules.map((x) => x.state)).toEqual(['DISABLED', 'DISABLED']);
  });

  it('the first run after the --until date resumes the schedules; resume also works by hand', async () => {
    const s = await scheduleSetup('2026-12-23T15:00:00Z');
    await suspendSchedules(s.target, s.services, s.run, '2027-01-04T05:00:00.000Z');
    expect(await resumeIfExpired(s.target, s.services, s.run, s.host)).toBe(false);
    s.setNow('2027-01-04T06:00:00Z');
    expect(await resumeIfExpired(s.target, s.services, s.run, s.host)).toBe(true);
    expect([...s.world.schedules.values()].map((x) => x.State)).toEqual(['ENABLED', 'ENABLED']);
    expect(s.host.events.some((e) => e.code === 'SCHEDULE_AUTO_RESUMED')).toBe(true);
    await suspendSchedules(s.target, s.services, s.run, null);
    expect(await resumeIfExpired(s.target, s.services, s.run, s.host)).toBe(false); // no date: stays suspended
    await resumeSchedules(s.target, s.services, s.run);
    expect([...s.world.schedules.values()].map((x) => x.State)).toEqual(['ENABLED', 'ENABLED']);
  });

  it('shows sizes, the next transitions in both zones, node-group sizes and warns about running workspaces', async () => {
    const s = await scheduleSetup('2026-03-06T20:00:00Z');
    const view = await showSchedule(s.target, s.services, { userTimezone: 'Europe/Berlin' });
    expect(view.schedules.find((x) => x.name === 'demo-coder-ws-up')).toMatchObject({ nodegroup: 'demo-ws', minSize: 10, desiredSize: 10, drift: false });
    expect(view.schedules.find((x) => x.name === 'demo-coder-ws-down')).toMatchObject({ minSize: 2, desiredSize: null });
    expect(view.next.map((t) => t.at)).toEqual(['2026-03-06T23:15:00Z', '2026-03-09T10:45:00Z', '2026-03-09T22:15:00Z', '2026-03-10T10:45:00Z', '2026-03-10T22:15:00Z']);
    expect(view.nodeGroups).toContainEqual({ configName: 'coder-ws', eksName: 'demo-ws', minSize: 10, desiredSize: 12, maxSize: 20, peak: 10, offHours: 2 });
    expect(view.runningWorkspaces).toBe(7);
    expect(view.warnings).toEqual([expect.stringMatching(/^7 workspaces are running: after the scale-down at Fri 2026-03-06 18:15 \(America\/New_York\) only the minimum drops to 3 nodes/)]);
  });
});
