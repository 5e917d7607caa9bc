/**
 * RTO / RPO arithmetic and the restore-test report (Markdown + JSON in the state directory, optionally
 * uploaded to S3). RTO = run start → validated; achieved RPO = restore start − restore point (coder-db.md §4).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall } from '../aws/clients.js';
import { UserError } from '../errors.js';
import type { ValidationCheck } from './validation-sql.js';

export interface Objective {
  targetMinutes: number;
  achievedMinutes: number;
  passed: boolean;
}

export interface RestoreTimings {
  /** The run started (RTO clock starts). */
  startedAt: string;
  /** AWS began the restore. */
  restoreStartedAt: string;
  /** The copy (cluster and writer) became available. */
  availableAt: string;
  /** Every check finished (RTO clock stops). */
  validatedAt: string;
  /** The copy was deleted (null with --keep). */
  deletedAt: string | null;
}

export interface RestoreTestReport {
  deployment: string;
  engine: string;
  restoreId: string;
  passed: boolean;
  restorePoint: { mode: string; time: string; snapshotIdentifier: string | null };
  versions: { engine: string; migrationRestored: number | null; migrationLive: number | null; serverRestored: string; serverLive: string };
  timings: RestoreTimings & { restoreMinutes: number; validationMinutes: number };
  objectives: { rto: Objective; rpo: Objective };
  /** restore point − newest audit entry in the copy: how old the data looked (only meaningful on an active deployment). */
  dataAgeMinutes: number | null;
  checks: ValidationCheck[];
  kept: boolean;
}

const minutes = (fromIso: string, toIso: string): number => Math.round(((Date.parse(toIso) - Date.parse(fromIso)) / 60000) * 10) / 10;

/** RTO and RPO against their targets. */
export function computeObjectives(t: { startedAt: string; validatedAt: string; restoreStartedAt: string; restorePoint: string }, targets: { rtoMinutes: number; rpoMinutes: number }): { rto: Objective; rpo: Objective } {
  const rto = minutes(t.startedAt, t.validatedAt);
  const rpo = Math.max(0, minutes(t.restorePoint, t.restoreStartedAt));
  return {
    rto: { targetMinutes: targets.rtoMinutes, achievedMinutes: rto, passed: rto <= targets.rtoMinutes },
    rpo: { targetMinutes: targets.rpoMinutes, achievedMinutes: rpo, passed: rpo <= targets.rpoMinutes },
  };
}

export interface BuildReportInput {
  deployment: string;
  engine: string;
  restoreId: string;
  restorePoint: { mode: string; time: string; snapshotIdentifier: string | null };
  engineVersion: string;
  timings: RestoreTimings;
  targets: { rtoMinutes: number; rpoMinutes: number };
  checks: ValidationCheck[];
  migration: { restored: number | null; live: number | null };
  serverVersion: { restored: string; live: string };
  newestAuditLogAt: string | null;
  kept: boolean;
}

export function buildReport(input: BuildReportInput): RestoreTestReport {
  const objectives = computeObjectives({ ...input.timings, restorePoint: input.restorePoint.time }, input.targets);
  return {
    deployment: input.deployment,
    engine: input.engine,
    restoreId: input.restoreId,
    passed: objectives.rto.passed && objectives.rpo.passed && input.checks.every((c) => c.passed),
    restorePoint: input.restorePoint,
    versions: { engine: input.engineVersion, migrationRestored: input.migration.restored, migrationLive: input.migration.live, serverRestored: input.serverVersion.restored, serverLive: input.serverVersion.live },
    timings: { ...input.timings, restoreMinutes: minutes(input.timings.restoreStartedAt, input.timings.availableAt), validationMinutes: minutes(input.timings.availableAt, input.timings.validatedAt) },
    objectives,
    dataAgeMinutes: input.newestAuditLogAt === null ? null : minutes(input.newestAuditLogAt, input.restorePoint.time),
    checks: input.checks,
    kept: input.kept,
  };
}

const mark = (passed: boolean): string => (passed ? 'PASS' : 'FAIL');

export function renderReportMarkdown(r: RestoreTestReport): string {
  const lines = [
    `# Restore test: ${r.deployment} — ${r.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `| Item | Value |`,
    `|---|---|`,
    `| Restore point | ${r.restorePoint.time} (${r.restorePoint.mode}${r.restorePoint.snapshotIdentifier ? `, snapshot ${r.restorePoint.snapshotIdentifier}` : ''}) |`,
    `| Temporary database | ${r.restoreId}${r.kept ? ' (kept)' : ''} |`,
    `| Engine | ${r.engine} ${r.versions.engine} |`,
    `| Schema migration | copy ${r.versions.migrationRestored ?? 'none'}, live ${r.versions.migrationLive ?? 'none'} |`,
    `| PostgreSQL server | copy ${r.versions.serverRestored}, live ${r.versions.serverLive} |`,
    `| Data age at the restore point | ${r.dataAgeMinutes === null ? 'no audit entries' : `${r.dataAgeMinutes} min`} |`,
    '',
    '## Objectives',
    '',
    '| Objective | Target | Achieved | Result |',
    '|---|---|---|---|',
    `| RTO (start → validated) | ${r.objectives.rto.targetMinutes} min | ${r.objectives.rto.achievedMinutes} min | ${mark(r.objectives.rto.passed)} |`,
    `| RPO (restore start − restore point) | ${r.objectives.rpo.targetMinutes} min | ${r.objectives.rpo.achievedMinutes} min | ${mark(r.objectives.rpo.passed)} |`,
    '',
    '## Timings',
    '',
    '| Event | Time |',
    '|---|---|',
    `| Run started | ${r.timings.startedAt} |`,
    `| Restore started | ${r.timings.restoreStartedAt} |`,
    `| Copy available | ${r.timings.availableAt} (${r.timings.restoreMinutes} min) |`,
    `| Validated | ${r.timings.validatedAt} (${r.timings.validationMinutes} min) |`,
    `| Copy deleted | ${r.timings.deletedAt ?? (r.kept ? 'kept (--keep)' : 'not deleted')} |`,
    '',
    '## Checks',
    '',
    '| Check | Result | Detail |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${c.title} | ${mark(c.passed)} | ${c.detail.replaceAll('|', '\\|')} |`),
    '',
  ];
  return lines.join('\n');
}

/** Write `<stateDir>/reports/<restoreId>.{json,md}`. */
export async function writeReport(stateDir: string, report: RestoreTestReport): Promise<{ json: string; markdown: string }> {
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
  if (!match) throw new UserError(`--upload ${uri} is not an S3 URI.`, { nextSteps: ['Pass e.g. --upload s3://my-bucket/restore-tests/'] });
  const prefix = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1] as string, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** Upload both report files; returns their S3 URIs. */
export async function uploadReport(s3: S3Client, uri: string, files: { json: string; markdown: string }, bodies: { json: string; markdown: string }): Promise<string[]> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { bucket, prefix } = parseS3Uri(uri);
  const out: string[] = [];
  for (const [file, body, type] of [[files.json, bodies.json, 'application/json'], [files.markdown, bodies.markdown, 'text/markdown; charset=utf-8']] as const) {
    const key = `${prefix}${path.basename(file)}`;
    await awsCall('s3:PutObject', () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: type, ServerSideEncryption: 'AES256' })), `s3://${bucket}/${key}`);
    out.push(`s3://${bucket}/${key}`);
  }
  return out;
}
