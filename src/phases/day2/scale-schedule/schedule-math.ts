/**
 * Business-hours schedule arithmetic (seed-facts §7, defect 23): EventBridge Scheduler cron expressions
 * for the scale-up / scale-down times, and the next transitions in the schedule's time zone and the
 * operator's. Pure functions; luxon does the time-zone and daylight-saving work (06:45 local stays 06:45
 * local when the UTC offset changes; times inside a change follow EventBridge Scheduler, see nextTransitions).
 */
import { DateTime } from 'luxon';
import { WEEKDAYS } from '../../../config/schema.js';

export type Weekday = (typeof WEEKDAYS)[number];
export type TransitionKind = 'scale-up' | 'scale-down';

export interface ScheduleTimes {
  /** `HH:MM`, in `timezone`. */
  scaleUp: string;
  scaleDown: string;
  weekdays: readonly Weekday[];
  /** IANA zone, e.g. America/New_York. */
  timezone: string;
}

export interface ZonedTime {
  zone: string;
  /** e.g. `Mon 2026-03-09 06:45`. */
  local: string;
  /** e.g. `UTC-4`. */
  offset: string;
}

export interface Transition {
  kind: TransitionKind;
  /** The instant, ISO-8601 UTC. */
  at: string;
  schedule: ZonedTime;
  user: ZonedTime;
  /** The local time occurs twice that day (fall-back change); EventBridge Scheduler runs it once. */
  repeatedHour?: true;
}

export { scheduledDesiredSize } from '../../../sizing/schedule-target.js';

function hourMinute(value: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new TypeError(`not a HH:MM time: ${value}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** EventBridge Scheduler cron for a local time on weekdays, e.g. `cron(45 6 ? * MON-FRI *)`. */
export function cronExpression(time: string, weekdays: readonly Weekday[]): string {
  const { hour, minute } = hourMinute(time);
  return `cron(${minute} ${hour} ? * ${formatWeekdays(weekdays)} *)`;
}

/** `MON-FRI` for a contiguous run, otherwise a comma list in week order. */
export function formatWeekdays(weekdays: readonly Weekday[]): string {
  const sorted = WEEKDAYS.filter((d) => weekdays.includes(d));
  if (sorted.length === 7) return '*';
  const first = WEEKDAYS.indexOf(sorted[0] as Weekday);
  const contiguous = sorted.length > 2 && sorted.every((d, i) => WEEKDAYS.indexOf(d) === first + i);
  return contiguous ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(',');
}

/** Read back `cron(M H ? * DOW *)`; undefined for any other shape (a schedule edited by hand). */
export function parseCronExpression(expression: string): { time: string; weekdays: Weekday[] } | undefined {
  const match = /^cron\((\d{1,2}) (\d{1,2}) \? \* (\S+) \*\)$/.exec(expression.trim());
  if (!match) return undefined;
  const minute = Number(match[1]);
  const hour = Number(match[2]);
  if (minute > 59 || hour > 23) return undefined;
  const weekdays = new Set<Weekday>();
  for (const part of (match[3] as string).split(',')) {
    if (part === '*') WEEKDAYS.forEach((d) => weekdays.add(d));
    else if (part.includes('-')) {
      const [from, to] = part.split('-') as [Weekday, Weekday];
      const a = WEEKDAYS.indexOf(from);
      const b = WEEKDAYS.indexOf(to);
      if (a < 0 || b < 0 || b < a) return undefined;
      WEEKDAYS.slice(a, b + 1).forEach((d) => weekdays.add(d));
    } else if ((WEEKDAYS as readonly string[]).includes(part)) weekdays.add(part as Weekday);
    else return undefined;
  }
  return {
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
    weekdays: WEEKDAYS.filter((d) => weekdays.has(d)),
  };
}

function zoned(instant: DateTime, zone: string): ZonedTime {
  const t = instant.setZone(zone);
  const hours = t.offset / 60;
  const sign = hours < 0 ? '-' : '+';
  const abs = Math.abs(hours);
  const offset =
    t.offset === 0
      ? 'UTC'
      : `UTC${sign}${Number.isInteger(abs) ? abs : `${Math.floor(abs)}:${String(Math.round((abs % 1) * 60)).padStart(2, '0')}`}`;
  return { zone, local: t.toFormat('ccc yyyy-LL-dd HH:mm'), offset };
}

/**
 * The instant EventBridge Scheduler runs `hour:minute` local time on `date`, or undefined when it does not
 * run that day. AWS: "When the time shifts forward in Spring, your schedule invocation gets skipped if the
 * cron expression falls on a non-existent date and time. When the time shifts back in the Fall, your
 * schedule runs only once and doesn't repeat its invocation"
 * (https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst). AWS does not say which of the two
 * instants of a repeated time it uses; we show the first (the earlier offset) and mark it `repeatedHour`.
 */
function scheduledInstant(
  date: DateTime,
  hour: number,
  minute: number,
  zone: string,
): { at: DateTime; repeatedHour: boolean } | undefined {
  const wall = { year: date.year, month: date.month, day: date.day, hour, minute };
  const asUtc = DateTime.fromObject(wall, { zone: 'utc' });
  // The wall time under each offset the zone uses that day and the next (a change moves it by 30 min to 2 h).
  const offsets = new Set([-1, 0, 1].map((d) => asUtc.plus({ days: d }).setZone(zone).offset));
  const runs = [...offsets]
    .map((offset) => asUtc.minus({ minutes: offset }).setZone(zone))
    .filter(
      (t) =>
        t.year === wall.year && t.month === wall.month && t.day === wall.day && t.hour === hour && t.minute === minute,
    )
    .sort((a, b) => a.toMillis() - b.toMillis());
  const first = runs[0];
  if (first === undefined) return undefined; // skipped by the spring-forward change
  return { at: first, repeatedHour: runs.length > 1 };
}

/**
 * The next `count` transitions strictly after `from`, as EventBridge Scheduler runs them: a local time the
 * spring-forward change skips does not run that day; a time repeated by the fall-back change runs once.
 */
export function nextTransitions(
  schedule: ScheduleTimes,
  from: Date,
  count = 5,
  userZone = Intl.DateTimeFormat().resolvedOptions().timeZone,
): Transition[] {
  const start = DateTime.fromJSDate(from, { zone: schedule.timezone });
  if (!start.isValid) throw new TypeError(`invalid time zone ${schedule.timezone}`);
  const times: [TransitionKind, { hour: number; minute: number }][] = [
    ['scale-up', hourMinute(schedule.scaleUp)],
    ['scale-down', hourMinute(schedule.scaleDown)],
  ];
  const out: Transition[] = [];
  for (let day = 0; out.length < count && day < 370; day++) {
    const date = start.startOf('day').plus({ days: day });
    const weekday = WEEKDAYS[date.weekday - 1] as Weekday;
    if (!schedule.weekdays.includes(weekday)) continue;
    const today = times
      .flatMap(([kind, t]) => {
        const run = scheduledInstant(date, t.hour, t.minute, schedule.timezone);
        return run === undefined ? [] : [{ kind, ...run }];
      })
      .filter((t) => t.at.toMillis() > from.getTime())
      .sort((a, b) => a.at.toMillis() - b.at.toMillis());
    for (const t of today) {
      if (out.length === count) break;
      out.push({
        kind: t.kind,
        at: t.at.toUTC().toISO({ suppressMilliseconds: true }) as string,
        schedule: zoned(t.at, schedule.timezone),
        user: zoned(t.at, userZone),
        ...(t.repeatedHour ? { repeatedHour: true } : {}),
      });
    }
  }
  return out;
}
