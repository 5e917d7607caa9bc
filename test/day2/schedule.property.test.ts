/**
 * The business-hours schedule for generated times, weekdays, zones and start instants, biased to the
 * daylight-saving changes: nextTransitions (luxon) against a reference built only on Intl.DateTimeFormat,
 * which finds every instant whose wall-clock time in the zone is the scheduled HH:MM (none: the spring-forward
 * gap skips it; two: the fall-back change repeats it, and EventBridge Scheduler runs the first once).
 * Then the drift checks: a live schedule in another time zone is drift, whatever its cron says.
 */
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { WEEKDAYS } from '../../src/config/schema.js';
import { showSchedule } from '../../src/phases/day2/scale-schedule/service.js';
import { scheduleDifferences } from '../../src/phases/day2/scale-schedule/schedule-api.js';
import {
  cronExpression,
  nextTransitions,
  type ScheduleTimes,
  type Weekday,
} from '../../src/phases/day2/scale-schedule/schedule-math.js';

const RUNS = 400;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Zones with 1 h, 30 min (Lord Howe) and 2 h (Troll) changes, southern-hemisphere and negative DST (Dublin), none. */
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Europe/Dublin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Antarctica/Troll',
  'UTC',
];

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallAt(instant: number, zone: string): Wall {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}

/** Every instant (ascending) whose wall time in `zone` is the given date and HH:MM. */
function instantsOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number[] {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offsets = new Set<number>();
  for (const probe of [-DAY, -DAY / 2, 0, DAY / 2, DAY]) {
    const w = wallAt(asUtc + probe, zone);
    offsets.add(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor((asUtc + probe) / MINUTE) * MINUTE);
  }
  const found = [...offsets]
    .map((o) => asUtc - o)
    .filter((t) => {
      const w = wallAt(t, zone);
      return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute;
    });
  return [...new Set(found)].sort((a, b) => a - b);
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number): string => String(n).padStart(2, '0');

function reference(s: ScheduleTimes, from: number, count: number) {
  const out: { kind: string; at: string; local: string; repeatedHour: boolean }[] = [];
  const start = wallAt(from, s.timezone);
  for (let i = 0; out.length < count && i < 30; i++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const dow = date.getUTCDay();
    if (!s.weekdays.includes(WEEKDAYS[(dow + 6) % 7] as Weekday)) continue;
    const today = (['scale-up', 'scale-down'] as const)
      .flatMap((kind) => {
        const [hh, mm] = (kind === 'scale-up' ? s.scaleUp : s.scaleDown).split(':').map(Number) as [number, number];
        const all = instantsOf(y, m, d, hh, mm, s.timezone);
        return all.length === 0
          ? []
          : [
              {
                kind,
                t: all[0]!,
                repeatedHour: all.length > 1,
                local: `${DAY_NAMES[dow]} ${y}-${pad(m)}-${pad(d)} ${pad(hh)}:${pad(mm)}`,
              },
            ];
      })
      .filter((x) => x.t > from)
      .sort((a, b) => a.t - b.t);
    for (const x of today)
      if (out.length < count)
        out.push({
          kind: x.kind,
          at: new Date(x.t).toISOString().replace('.000Z', 'Z'),
          local: x.local,
          repeatedHour: x.repeatedHour,
        });
  }
  return out;
}

/** The zone's UTC offset at an instant, in minutes, from Intl alone. */
function offsetAt(instant: number, zone: string): number {
  const w = wallAt(instant, zone);
  return (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(instant / MINUTE) * MINUTE) / MINUTE;
}

/** The instants (to the minute) at which the zone's offset changes in a year: a 6-hour scan, then bisection. */
const changeCache = new Map<string, number[]>();
function offsetChanges(zone: string, year: number): number[] {
  const key = `${zone}@${year}`;
  const cached = changeCache.get(key);
  if (cached) return cached;
  const out: number[] = [];
  const step = 6 * 3_600_000;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += step) {
    if (offsetAt(t, zone) === offsetAt(t + step, zone)) continue;
    let [lo, hi] = [t, t + step];
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(mid, zone) === offsetAt(lo, zone)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  changeCache.set(key, out);
  return out;
}

/** Times near the small hours (where the changes happen) as often as anywhere else in the day. */
const hhmm = fc
  .oneof(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 15, 30, 45, 59)),
    fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
  )
  .map(([h, m]) => `${pad(h)}:${pad(m)}`);

/** Start instants in 2025–2028, half of them within a few days of a March/April or September–November change. */
const fromInstant = fc.oneof(
  fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }),
  fc
    .tuple(
      fc.integer({ min: 2025, max: 2028 }),
      fc.constantFrom(2, 3, 8, 9, 10),
      fc.integer({ min: 0, max: 31 * 24 * 60 }),
    )
    .map(([y, m, min]) => Date.UTC(y, m, 1) + min * MINUTE),
);

const anySchedule = fc.record({
  scaleUp: hhmm,
  scaleDown: hhmm,
  weekdays: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  timezone: fc.constantFrom(...ZONES),
});

/** Aimed at one offset change of the zone: start up to 3 days before it, a time within 3 h of its wall time. */
const aimed = fc
  .tuple(
    fc.constantFrom(...ZONES.filter((z) => offsetChanges(z, 2026).length > 0)),
    fc.integer({ min: 2025, max: 2028 }),
    fc.nat(),
    fc.integer({ min: 0, max: 3 * 24 * 60 }),
    fc.integer({ min: -180, max: 180 }),
    hhmm,
    fc.boolean(),
  )
  .map(([zone, year, pick, before, shift, other, everyDay]) => {
    const changes = offsetChanges(zone, year);
    const change = changes[pick % changes.length]!;
    const w = wallAt(change + shift * MINUTE, zone);
    const dow = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const s: ScheduleTimes = {
      scaleUp: `${pad(w.hour)}:${pad(w.minute)}`,
      scaleDown: other,
      weekdays: everyDay ? [...WEEKDAYS] : [WEEKDAYS[(dow + 6) % 7] as Weekday],
      timezone: zone,
    };
    return { s, from: change - before * MINUTE };
  });

const generated = fc
  .oneof(
    fc.tuple(anySchedule, fromInstant).map(([s, from]) => ({ s, from })),
    aimed,
  )
  .filter(({ s }) => s.scaleUp !== s.scaleDown);

describe('next schedule transitions across daylight-saving changes (fast-check)', () => {
  it(`equal an Intl-only reference for generated times, weekdays, zones and start instants (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(generated, fc.integer({ min: 1, max: 6 }), ({ s, from }, count) => {
        const got = nextTransitions(s, new Date(from), count, 'UTC').map((t) => ({
          kind: t.kind,
          at: t.at,
          local: t.schedule.local,
          repeatedHour: t.repeatedHour === true,
        }));
        expect(got).toEqual(reference(s, from, count));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('a two-hour fall-back change (Antarctica/Troll, +2 → +0 on 2026-10-25)', () => {
  it('runs a repeated 01:30 once, at its first instant, and marks it', () => {
    const [t] = nextTransitions(
      { scaleUp: '01:30', scaleDown: '18:00', weekdays: ['SUN'], timezone: 'Antarctica/Troll' },
      new Date('2026-10-24T00:00:00Z'),
      1,
      'UTC',
    );
    expect(t).toMatchObject({
      kind: 'scale-up',
      at: '2026-10-24T23:30:00Z',
      repeatedHour: true,
      schedule: { local: 'Sun 2026-10-25 01:30', offset: 'UTC+2' },
    });
  });
});

describe('schedule drift', () => {
  const config = parseConfigText(
    'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: demo\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\nschedule:\n  timezone: America/New_York\n',
    'c.yaml',
  );
  const cfg = config.schedule;

  /** The live schedules exactly as the schedule stack makes them, optionally in another zone. */
  function live(zone: string): GetScheduleCommandOutput[] {
    return Object.entries(cfg.nodeGroups).flatMap(([group, sizes]) =>
      (['up', 'down'] as const).map((kind) => ({
        $metadata: {},
        Name: `demo-${group}-${kind}`,
        GroupName: 'demo-schedules',
        State: 'ENABLED' as const,
        ScheduleExpression: cronExpression(kind === 'up' ? cfg.scaleUp : cfg.scaleDown, cfg.weekdays),
        ScheduleExpressionTimezone: zone,
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig',
          RoleArn: 'arn:aws:iam::111122223333:role/x',
          Input: JSON.stringify({
            ClusterName: 'demo',
            NodegroupName: `demo-${group}`,
            ScalingConfig: {
              MinSize: kind === 'up' ? sizes.peak : sizes.offHours,
              ...(kind === 'up' ? { DesiredSize: sizes.peak } : {}),
            },
          }),
        },
      })),
    );
  }

  it('scheduleDifferences reports every schedule that runs in another time zone, same cron or not', () => {
    const same = scheduleDifferences(live('America/New_York'), config);
    const moved = scheduleDifferences(live('Europe/London'), config);
    const names = Object.keys(cfg.nodeGroups).flatMap((g) => [`demo-${g}-up`, `demo-${g}-down`]);
    expect(moved).toEqual(expect.arrayContaining(names.map((n) => `${n} is in Europe/London, not America/New_York`)));
    expect(moved.filter((d) => !same.includes(d))).toHaveLength(names.length);
    // A schedule without a zone runs in UTC
    const utc = live('America/New_York').map(({ ScheduleExpressionTimezone: _zone, ...rest }) => ({
      ...rest,
      $metadata: {},
    }));
    expect(scheduleDifferences(utc, config)).toEqual(
      expect.arrayContaining(names.map((n) => `${n} is in UTC, not America/New_York`)),
    );
  });

  it('show marks a schedule in another time zone as drift and warns', async () => {
    const view = async (zone: string) => {
      const scheduler = new SchedulerClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      const schedules = live(zone);
      mockClient(scheduler)
        .on(ListSchedulesCommand)
        .resolves({ Schedules: schedules.map((s) => ({ Name: s.Name, State: s.State })) })
        .on(GetScheduleCommand)
        .callsFake((i: { Name: string }) => schedules.find((s) => s.Name === i.Name));
      const eks = new EKSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      mockClient(eks)
        .on(DescribeNodegroupCommand)
        .resolves({ nodegroup: { scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 20 } } });
      const target = {
        deployment: 'demo',
        configPath: 'c.yaml',
        stateDir: '/nonexistent',
        scheduleGroupName: 'demo-schedules',
        clusterName: 'demo',
        nodeGroupNames: Object.fromEntries(Object.keys(cfg.nodeGroups).map((g) => [g, `demo-${g}`])),
        config,
      };
      return showSchedule(
        target,
        { scheduler, eks, now: () => new Date('2026-12-02T12:00:00Z') },
        { userTimezone: 'UTC' },
      );
    };
    const same = await view('America/New_York');
    expect(same.schedules.map((s) => s.drift)).toEqual(same.schedules.map(() => false));
    const moved = await view('Europe/London');
    expect(moved.schedules.length).toBeGreaterThan(0);
    expect(moved.schedules.map((s) => s.drift)).toEqual(moved.schedules.map(() => true));
    expect(moved.warnings.filter((w) => w.includes('(Europe/London), not what coder-platform.yaml says'))).toHaveLength(
      moved.schedules.length,
    );
  });
});
