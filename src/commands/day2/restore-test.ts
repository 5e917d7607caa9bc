import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../../phase-flags.js';
import type { RestoreTestResult } from '../../phases/day2/restore-test/service.js';

export type { RestoreTestResult };

/** The restore points `--from` named before it meant a step id, as everywhere else. */
const LEGACY_RESTORE_POINTS = ['pitr', 'snapshot'];

export default class RestoreTest extends BaseCommand<typeof RestoreTest> {
  static override summary =
    'restore the database into a temporary copy, validate it against the live database, measure RTO and RPO';
  static override description =
    'Deletes copies left by earlier runs, restores the database (latest restorable time, newest snapshot, or --time) into <name>-restore-test-<timestamp> in the same subnet group and security group (Aurora: the cluster, then a db.serverless writer), runs the same read-only SQL against the copy and the live writer from a Kubernetes Job, deletes the copy, and writes a Markdown + JSON report to the state directory. Exit 1 when a check fails or RTO/RPO miss their objectives.';
  static override examples = [
    '<%= config.bin %> day2 restore-test',
    '<%= config.bin %> day2 restore-test --restore-from snapshot --upload s3://ops-reports/restore-tests/',
    '<%= config.bin %> day2 restore-test --dry-run',
    '<%= config.bin %> day2 restore-test --time 2026-11-20T12:00:00Z --keep',
  ];
  static override flags = {
    ...phaseFlags,
    // --from is the step id here too; --from-step was its name while --from meant the restore point
    from: Flags.string({
      summary: 'Run from this step id on, treating earlier steps as done.',
      env: 'CODER_PLATFORM_FROM',
      exclusive: ['only', 'restart'],
      helpGroup: 'PHASE',
      aliases: ['from-step'],
      deprecateAliases: true,
    }),
    'restore-from': Flags.string({
      summary: 'Restore point: the latest restorable time (pitr) or the newest snapshot.',
      options: ['pitr', 'snapshot'],
      env: 'CODER_PLATFORM_RESTORE_FROM',
    }),
    time: Flags.string({
      summary: 'Restore to this ISO-8601 time (inside the restorable window) instead of the latest.',
      env: 'CODER_PLATFORM_RESTORE_TIME',
      exclusive: ['restore-from'],
    }),
    keep: Flags.boolean({
      summary: 'Keep the copy after the test or a failure (the next run deletes it).',
      default: false,
      env: 'CODER_PLATFORM_RESTORE_KEEP',
    }),
    'psql-image': Flags.string({
      summary: 'PostgreSQL client image of the validation Job (for private registries).',
      env: 'CODER_PLATFORM_PSQL_IMAGE',
    }),
    namespace: Flags.string({
      summary: 'Namespace of the validation Job.',
      default: 'coder',
      env: 'CODER_PLATFORM_RESTORE_NAMESPACE',
    }),
    upload: Flags.string({
      summary: 'Also upload the report to this S3 URI (s3://bucket/prefix/).',
      env: 'CODER_PLATFORM_REPORT_UPLOAD',
    }),
  };

  public async run(): Promise<RestoreTestResult> {
    const f = this.flags;
    const { UserError } = await import('../../errors.js');
    // `--from pitr|snapshot` (the old restore-point flag) keeps working, with a warning: no step has those ids.
    const legacy = f.from !== undefined && LEGACY_RESTORE_POINTS.includes(f.from) ? f.from : undefined;
    if (legacy !== undefined) {
      if (f['restore-from'] !== undefined || f.time !== undefined)
        throw new UserError(
          `--from ${legacy} (the old spelling of --restore-from) cannot be combined with --restore-from or --time.`,
          { nextSteps: [`Use --restore-from ${legacy}.`] },
        );
      this.warn(
        `--from ${legacy} is deprecated: --from names a step id, as in every phase command. Use --restore-from ${legacy}.`,
      );
    }
    const restoreFrom = (legacy ?? f['restore-from'] ?? 'pitr') as 'pitr' | 'snapshot';
    const stepFlags = phaseFlagValues({ ...f, from: legacy === undefined ? f.from : undefined });
    const { parseS3Uri } = await import('../../phases/day2/restore-test/service.js');
    if (f.upload !== undefined) parseS3Uri(f.upload); // bad input is refused before any client is built
    const { day2Command, createRestoreTestServices } = await import('../../phases/day2/service.js');
    const { runRestoreTest } = await import('../../phases/day2/restore-test/service.js');
    const c = await day2Command(this.globals, (await import('../../ui/host.js')).createHost, {
      dryRun: stepFlags.dryRun,
    });
    const { options, deps } = await createRestoreTestServices(c, {
      mode: f.time ? 'time' : restoreFrom,
      time: f.time,
      keep: f.keep,
      psqlImage: f['psql-image'],
      namespace: f.namespace,
      upload: f.upload,
    });
    const command = commandWithFlags('coder-platform day2 restore-test', {
      ...(f.time ? { time: f.time } : { 'restore-from': restoreFrom === 'pitr' ? undefined : restoreFrom }),
      keep: f.keep,
      'psql-image': f['psql-image'],
      namespace: f.namespace === 'coder' ? undefined : f.namespace,
      upload: f.upload,
    });
    const result = await runRestoreTest(options, deps, c.runner(command, { flags: stepFlags }));
    const typed: RestoreTestResult = {
      phase: result.phase,
      report: result.report ?? null,
      files: result.files ?? null,
      uploaded: result.uploaded,
    };
    if (!this.globals.json) this.log((await import('../../ui/day2-view.js')).renderRestoreTest(typed));
    if (typed.report && !typed.report.passed) {
      const { CheckFailedError } = await import('../../errors.js');
      throw new CheckFailedError(
        `The restore test failed: ${[...typed.report.checks.filter((c) => !c.passed).map((c) => c.title), ...(['rto', 'rpo'] as const).filter((k) => !typed.report?.objectives[k].passed).map((k) => `${k.toUpperCase()} objective`)].join(', ')}.`,
        {
          nextSteps: [`Read the report: ${typed.files?.markdown ?? ''}`],
        },
      );
    }
    return typed;
  }
}
