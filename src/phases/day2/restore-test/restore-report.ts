/**
 * RTO / RPO arithmetic and the restore-test report (Markdown + JSON in the state directory, optionally
 * uploaded to S3). RTO = run start → validated; achieved RPO = restore start − restore point (coder-db.md §4).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall } from '../../../aws/clients.js';
import { UserError } from '../../../errors.js';
import type { ValidationCheck } from './validation-sql.js';

export interface Objective {
  targetMinutes: number;
  /** null when the run stopped before it could be measured (then it did not pass). */
  achievedMinutes: number | null;
  passed: boolean;
}

export interface RestoreTimings {
  /** The run started (RTO clock starts). */
  startedAt: string;
  /** AWS began the restore (null: the run stopped before). */
  restoreStartedAt: string | null;
  /** The copy (cluster and writer) became available. */
  availableAt: string | null;
  /** Every check finished (RTO clock stops). */
  validatedAt: string | null;
  /** The copy was deleted (null with --keep). */
  deletedAt: string | null;
}

/** One step of the run as the journal recorded it. */
export interface ReportStep {
  id: string;
  title: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface RestoreTestReport {
  deployment: string;
  engine: string;
  restoreId: string;
  passed: boolean;
  /** The step that failed (or `interrupted`), when the run did not finish. */
  failure: { stepId: string; title: string; error: string } | null;
  restorePoint: { mode: string | null; time: string | null; snapshotIdentifier: string | null };
  versions: {
    engine: string | null;
    coder: string | null;
    migrationRestored: number | null;
    migrationLive: number | null;
    serverRestored: string | null;
    serverLive: string | null;
  };
  timings: RestoreTimings & { restoreMinutes: number | null; validationMinutes: number | null };
  /** Every step with its timings, as far as the run got. */
  steps: ReportStep[];
  objectives: { rto: Objective; rpo: Objective };
  /** restore point − newest audit entry in the copy: how old the data looked (only meaningful on an active deployment). */
  dataAgeMinutes: number | null;
  checks: ValidationCheck[];
  kept: boolean;
}

const minutes = (fromIso: string, toIso: string): number =>
  Math.round(((Date.parse(toIso) - Date.parse(fromIso)) / 60000) * 10) / 10;
const span = (fromIso: string | null, toIso: string | null): number | null =>
  fromIso === null || toIso === null ? null : minutes(fromIso, toIso);

/** RTO and RPO against their targets; an objective the run stopped before is not achieved. */
export function computeObjectives(
  t: { startedAt: string; validatedAt: string | null; restoreStartedAt: string | null; restorePoint: string | null },
  targets: { rtoMinutes: number; rpoMinutes: number },
): { rto: Objective; rpo: Objective } {
  const rto = span(t.startedAt, t.validatedAt);
  const rpoSpan = span(t.restorePoint, t.restoreStartedAt);
  const rpo = rpoSpan === null ? null : Math.max(0, rpoSpan);
  return {
    rto: { targetMinutes: targets.rtoMinutes, achievedMinutes: rto, passed: rto !== null && rto <= targets.rtoMinutes },
    rpo: { targetMinutes: targets.rpoMinutes, achievedMinutes: rpo, passed: rpo !== null && rpo <= targets.rpoMinutes },
  };
}

export interface BuildReportInput {
  deployment: string;
  engine: string;
  restoreId: string;
  restorePoint: { mode: string | null; time: string | null; snapshotIdentifier: string | null };
  engineVersion: string | null;
  coderVersion: string | null;
  timings: RestoreTimings;
  targets: { rtoMinutes: number; rpoMinutes: number };
  checks: ValidationCheck[];
  migration: { restored: number | null; live: number | null };
  serverVersion: { restored: string | null; live: string | null };
  newestAuditLogAt: string | null;
  kept: boolean;
  failure: RestoreTestReport['failure'];
  steps: ReportStep[];
}

export function buildReport(input: BuildReportInput): RestoreTestReport {
  const objectives = computeObjectives({ ...input.timings, restorePoint: input.restorePoint.time }, input.targets);
  return {
    deployment: input.deployment,
    engine: input.engine,
    restoreId: input.restoreId,
    passed:
      input.failure === null &&
      objectives.rto.passed &&
      objectives.rpo.passed &&
      input.checks.length > 0 &&
      input.checks.every((c) => c.passed),
    failure: input.failure,
    restorePoint: input.restorePoint,
    versions: {
      engine: input.engineVersion,
      coder: input.coderVersion,
      migrationRestored: input.migration.restored,
      migrationLive: input.migration.live,
      serverRestored: input.serverVersion.restored,
      serverLive: input.serverVersion.live,
    },
    timings: {
      ...input.timings,
      restoreMinutes: span(input.timings.restoreStartedAt, input.timings.availableAt),
      validationMinutes: span(input.timings.availableAt, input.timings.validatedAt),
    },
    steps: input.steps,
    objectives,
    dataAgeMinutes: span(input.newestAuditLogAt, input.restorePoint.time),
    checks: input.checks,
    kept: input.kept,
  };
}

const mark = (passed: boolean): string => (passed ? 'PASS' : 'FAIL');
const cell = (text: string): string => text.replaceAll('|', '\\|');
const min = (value: number | null): string => (value === null ? 'not reached' : `${value} min`);

export function renderReportMarkdown(r: RestoreTestReport): string {
  const lines = [
    `# Restore test: ${r.deployment} — ${r.passed ? 'PASSED' : 'FAILED'}`,
    '',
    ...(r.failure === null
      ? []
      : [
          `**The run stopped at step \`${r.failure.stepId}\` (${cell(r.failure.title)}):** ${cell(r.failure.error)}`,
          '',
        ]),
    `| Item | Value |`,
    `|---|---|`,
    `| Restore point | ${r.restorePoint.time ?? 'not chosen'}${r.restorePoint.mode ? ` (${r.restorePoint.mode}${r.restorePoint.snapshotIdentifier ? `, snapshot ${r.restorePoint.snapshotIdentifier}` : ''})` : ''} |`,
    `| Temporary database | ${r.restoreId}${r.kept ? ' (kept)' : ''} |`,
    `| Coder version | ${r.versions.coder ?? 'unknown (Coder did not answer)'} |`,
    `| Engine | ${r.engine} ${r.versions.engine ?? ''} |`,
    `| Schema migration | copy ${r.versions.migrationRestored ?? 'none'}, live ${r.versions.migrationLive ?? 'none'} |`,
    `| PostgreSQL server | copy ${r.versions.serverRestored ?? '-'}, live ${r.versions.serverLive ?? '-'} |`,
    `| Data age at the restore point | ${r.dataAgeMinutes === null ? 'no audit entries' : `${r.dataAgeMinutes} min`} |`,
    '',
    '## Objectives',
    '',
    '| Objective | Target | Achieved | Result |',
    '|---|---|---|---|',
    `| RTO (start → validated) | ${r.objectives.rto.targetMinutes} min | ${min(r.objectives.rto.achievedMinutes)} | ${mark(r.objectives.rto.passed)} |`,
    `| RPO (restore start − restore point) | ${r.objectives.rpo.targetMinutes} min | ${min(r.objectives.rpo.achievedMinutes)} | ${mark(r.objectives.rpo.passed)} |`,
    '',
    '## Timings',
    '',
    '| Event | Time |',
    '|---|---|',
    `| Run started | ${r.timings.startedAt} |`,
    `| Restore started | ${r.timings.restoreStartedAt ?? 'not reached'} |`,
    `| Copy available | ${r.timings.availableAt === null ? 'not reached' : `${r.timings.availableAt} (${min(r.timings.restoreMinutes)})`} |`,
    `| Validated | ${r.timings.validatedAt === null ? 'not reached' : `${r.timings.validatedAt} (${min(r.timings.validationMinutes)})`} |`,
    `| Copy deleted | ${r.timings.deletedAt ?? (r.kept ? 'kept (--keep)' : 'not deleted')} |`,
    '',
    '## Steps',
    '',
    '| Step | Status | Started | Ended | Error |',
    '|---|---|---|---|---|',
    ...r.steps.map(
      (st) =>
        `| ${st.id} | ${st.status} | ${st.startedAt ?? '-'} | ${st.endedAt ?? '-'} | ${st.error === null ? '' : cell(st.error)} |`,
    ),
    '',
    '## Checks',
    '',
    ...(r.checks.length === 0
      ? ['No checks ran.']
      : [
          '| Check | Result | Detail |',
          '|---|---|---|',
          ...r.checks.map((c) => `| ${c.title} | ${mark(c.passed)} | ${cell(c.detail)} |`),
        ]),
    '',
  ];
  return lines.join('\n');
}

/** Write `<stateDir>/reports/<restoreId>.{json,md}`. */
export async function writeReport(
  stateDir: string,
  report: RestoreTestReport,
): Promise<{ json: string; markdown: string }> {
  const dir = path.join(stateDir, 'reports');
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, `${report.restoreId}.json`);
  const markdown = path.join(dir, `${report.restoreId}.md`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  await writeFile(markdown, renderReportMarkdown(report), 'utf8');
  return { json, markdown };
}

/** `s3://bucket/prefix` → parts; UserError otherwise. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match)
    throw new UserError(`--upload ${uri} is not an S3 URI.`, {
      nextSteps: ['Pass e.g. --upload s3://my-bucket/restore-tests/'],
    });
  const prefix = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1] as string, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** Upload both report files; returns their S3 URIs. */
export async function uploadReport(
  s3: S3Client,
  uri: string,
  files: { json: string; markdown: string },
  bodies: { json: string; markdown: string },
): Promise<string[]> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { bucket, prefix } = parseS3Uri(uri);
  const out: string[] = [];
  for (const [file, body, type] of [
    [files.json, bodies.json, 'application/json'],
    [files.markdown, bodies.markdown, 'text/markdown; charset=utf-8'],
  ] as const) {
    const key = `${prefix}${path.basename(file)}`;
    await awsCall(
      's3:PutObject',
      () =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: type,
            ServerSideEncryption: 'AES256',
          }),
        ),
      `s3://${bucket}/${key}`,
    );
    out.push(`s3://${bucket}/${key}`);
  }
  return out;
}
