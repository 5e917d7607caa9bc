import { describe, expect, it } from 'vitest';
import {
  cronExpression,
  nextTransitions,
  parseCronExpression,
} from '../../src/phases/day2/scale-schedule/schedule-math.js';

const NY = {
  scaleUp: '06:45',
  scaleDown: '18:15',
  weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const,
  timezone: 'America/New_York',
};

describe('next schedule transitions', () => {
  it('keeps 06:45 New York time across the March 2026 change to daylight time (UTC offset -5 → -4)', () => {
    // Friday 2026-03-06 20:00 UTC = 15:00 EST
    const t = nextTransitions(NY, new Date('2026-03-06T20:00:00Z'), 5, 'Europe/Berlin');
    expect(t.map((x) => [x.kind, x.at])).toEqual([
      ['scale-down', '2026-03-06T23:15:00Z'], // Fri 18:15 EST
      ['scale-up', '2026-03-09T10:45:00Z'], // Mon 06:45 EDT, after the Sunday 2026-03-08 change
      ['scale-down', '2026-03-09T22:15:00Z'],
      ['scale-up', '2026-03-10T10:45:00Z'],
      ['scale-down', '2026-03-10T22:15:00Z'],
    ]);
    expect(t[0]?.schedule).toEqual({ zone: 'America/New_York', local: 'Fri 2026-03-06 18:15', offset: 'UTC-5' });
    expect(t[1]?.schedule).toEqual({ zone: 'America/New_York', local: 'Mon 2026-03-09 06:45', offset: 'UTC-4' });
    // Berlin is still on winter time until 2026-03-29: the gap to New York shrinks from 6 to 5 hours
    expect(t[0]?.user).toEqual({ zone: 'Europe/Berlin', local: 'Sat 2026-03-07 00:15', offset: 'UTC+1' });
    expect(t[1]?.user.local).toBe('Mon 2026-03-09 11:45');
  });

  it('keeps 06:45 New York time across the November 2026 return to standard time (-4 → -5)', () => {
    const t = nextTransitions(NY, new Date('2026-10-30T12:00:00Z'), 3, 'UTC');
    expect(t.map((x) => x.at)).toEqual(['2026-10-30T22:15:00Z', '2026-11-02T11:45:00Z', '2026-11-02T23:15:00Z']);
    expect(t.map((x) => x.schedule.local)).toEqual([
      'Fri 2026-10-30 18:15',
      'Mon 2026-11-02 06:45',
      'Mon 2026-11-02 18:15',
    ]);
    expect(t[1]?.schedule.offset).toBe('UTC-5');
    expect(t[1]?.user).toEqual({ zone: 'UTC', local: 'Mon 2026-11-02 11:45', offset: 'UTC' });
  });

  it('skips a time that does not exist on the spring-forward day, as EventBridge Scheduler does', () => {
    // 02:30 does not exist in New York on Sunday 2026-03-08 (02:00 EST → 03:00 EDT): no scale-up that day
    const t = nextTransitions(
      { scaleUp: '02:30', scaleDown: '18:00', weekdays: ['SUN'], timezone: 'America/New_York' },
      new Date('2026-03-08T00:00:00Z'),
      2,
      'UTC',
    );
    expect(t.map((x) => [x.kind, x.at])).toEqual([
      ['scale-down', '2026-03-08T22:00:00Z'],
      ['scale-up', '2026-03-15T06:30:00Z'],
    ]);
    expect(t[1]?.schedule).toEqual({ zone: 'America/New_York', local: 'Sun 2026-03-15 02:30', offset: 'UTC-4' });
  });

  it('runs a time repeated by the November fall-back change once, at its first occurrence', () => {
    // 01:30 happens twice in New York on Sunday 2026-11-01 (01:30 EDT = 05:30Z, then 01:30 EST = 06:30Z)
    const t = nextTransitions(
      { scaleUp: '01:30', scaleDown: '18:00', weekdays: ['SUN'], timezone: 'America/New_York' },
      new Date('2026-11-01T00:00:00Z'),
      3,
      'UTC',
    );
    expect(t.map((x) => [x.kind, x.at])).toEqual([
      ['scale-up', '2026-11-01T05:30:00Z'],
      ['scale-down', '2026-11-01T23:00:00Z'],
      ['scale-up', '2026-11-08T06:30:00Z'],
    ]);
    expect(t[0]).toMatchObject({ repeatedHour: true, schedule: { local: 'Sun 2026-11-01 01:30', offset: 'UTC-4' } });
    expect(t[2]?.repeatedHour).toBeUndefined();
    // already past the first 01:30: the second one does not run
    expect(
      nextTransitions(
        { scaleUp: '01:30', scaleDown: '18:00', weekdays: ['SUN'], timezone: 'America/New_York' },
        new Date('2026-11-01T06:00:00Z'),
        1,
        'UTC',
      )[0]?.kind,
    ).toBe('scale-down');
  });
});

describe('EventBridge Scheduler cron expressions', () => {
  it('writes and reads back the weekday schedule', () => {
    expect(cronExpression('06:45', NY.weekdays)).toBe('cron(45 6 ? * MON-FRI *)');
    expect(cronExpression('18:15', ['MON', 'WED', 'FRI'])).toBe('cron(15 18 ? * MON,WED,FRI *)');
    expect(parseCronExpression('cron(15 18 ? * MON-FRI *)')).toEqual({
      time: '18:15',
      weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    });
    expect(parseCronExpression('cron(0 7 ? * SAT,SUN *)')).toEqual({ time: '07:00', weekdays: ['SAT', 'SUN'] });
    expect(parseCronExpression('rate(5 minutes)')).toBeUndefined();
  });
});
