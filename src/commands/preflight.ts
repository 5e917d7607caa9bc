import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { CheckFailedError, ExternalError, UserError } from '../errors.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../phase-flags.js';
import type { CheckResult, IncreaseOutcome, PreflightSummary } from '../phases/preflight/service.js';

/** Every check with its verdict, the quota increase requests, and the counts. */
export interface PreflightResult {
  checks: Pick<
    CheckResult,
    'id' | 'area' | 'status' | 'critical' | 'required' | 'current' | 'quotaCode' | 'message' | 'fix'
  >[];
  increases: IncreaseOutcome[];
  summary: PreflightSummary;
}

export default class Preflight extends BaseCommand<typeof Preflight> {
  static override summary = 'check that this account and region can hold the configured platform';
  static override description =
    'Tools, identity, region and instance offerings, VPC CIDR, DNS and certificate, CDK bootstrap, the EKS version, every service quota of the bill of materials (with current usage) and the workspace capacity fit, all at once. Exit 0 ready (warnings allowed), 1 a critical check failed, 2 usage or configuration error, 3 could not check.';
  static override examples = [
    '<%= config.bin %> preflight',
    '<%= config.bin %> preflight --request-increases --yes',
    '<%= config.bin %> preflight --json',
  ];
  static override flags = {
    ...phaseFlags,
    'request-increases': Flags.boolean({
      summary: 'File Service Quotas increase requests for short, adjustable quotas (asks first unless --yes).',
      env: 'CODER_PLATFORM_REQUEST_INCREASES',
      default: false,
    }),
    buffer: Flags.integer({
      summary: 'Headroom in percent on quotas that scale with load (vCPU, network interfaces, gp3).',
      env: 'CODER_PLATFORM_QUOTA_BUFFER',
      default: 20,
      min: 0,
      max: 200,
    }),
  };

  public async run(): Promise<PreflightResult> {
    if (this.flags['request-increases'] && this.globals.nonInteractive && !this.globals.yes) {
      throw new UserError(
        '--request-increases files quota increase requests and needs a confirmation, but there is no terminal to ask.',
        { nextSteps: ['Add --yes to file them without asking.'] },
      );
    }
    const { loadConfigFromGlobals } = await import('../config/from-globals.js');
    const { config, path: configPath } = await loadConfigFromGlobals(this.globals);
    const { createPreflightServices } = await import('../phases/preflight/service.js');
    const services = createPreflightServices(config, {
      awsProfile: this.globals.awsProfile,
      requestIncreases: this.flags['request-increases'],
      buffer: this.flags.buffer / 100,
    });
    const flags = phaseFlagValues(this.flags);
    // Credentials first: expired or missing credentials answer nothing (exit 3). A dry run plans from the
    // configuration alone when there are none, and names the identity the checks would run as when there are.
    const { dryRunProbe } = await import('../services/dry-run.js');
    const probe = await dryRunProbe(flags.dryRun, { region: config.aws.region, profile: this.globals.awsProfile });
    const command = commandWithFlags('coder-platform preflight', {
      'request-increases': this.flags['request-increases'],
      buffer: this.flags.buffer === 20 ? undefined : this.flags.buffer,
    });
    const [
      { createHost },
      { executePhase, resumeCommandFor },
      { buildPreflightPhase, journaledIncreaseRequests, reportFromPhase },
      { openStateDir },
    ] = await Promise.all([
      import('../ui/host.js'),
      import('../engine/execute.js'),
      import('../phases/preflight/service.js'),
      import('../engine/state-dir.js'),
    ]);
    let identity: Awaited<ReturnType<typeof services.identity>> | undefined;
    if (!flags.dryRun || probe) {
      try {
        identity = await services.identity();
      } catch (error) {
        if (!flags.dryRun) {
          // recorded, so `status` says preflight failed (and why) rather than that nothing has run
          const stateDir = await openStateDir({ override: this.globals.stateDir, configPath, config, write: true });
          const { recordPhaseRefusal } = await import('../engine/run-phase.js');
          const { RecordingHost } = await import('../engine/host.js');
          const resumeCommand = resumeCommandFor(command, this.globals);
          await recordPhaseRefusal(buildPreflightPhase({ requestIncreases: this.flags['request-increases'] }), {
            deployment: config.deployment.name,
            stateDir,
            command: resumeCommand,
            resumeCommand,
            host: new RecordingHost(),
            stepId: 'identity',
            error,
          }).catch(() => undefined);
          throw error;
        }
      }
    }
    const stateDir = await openStateDir({
      override: this.globals.stateDir,
      configPath,
      config: { ...config, aws: { ...config.aws, accountId: identity?.account ?? config.aws.accountId } },
      write: !flags.dryRun,
    });
    const host = createHost(this.globals);
    if (flags.dryRun) {
      host.emit(
        identity === undefined
          ? {
              level: 'warn',
              code: 'DRY_RUN_OFFLINE',
              message: 'No usable AWS credentials: planning from the configuration alone.',
            }
          : {
              level: 'info',
              code: 'PREFLIGHT_DRY_RUN_IDENTITY',
              message: `The checks would run as ${identity.arn} (account ${identity.account}) in ${config.aws.region}.`,
              data: { account: identity.account, arn: identity.arn, region: config.aws.region },
            },
      );
    }
    // s3 backend: the shared state is pulled before the journal is read.
    const remote = await (await import('../services/state-backend.js')).openStateBackend(config, this.globals);
    // Requests filed by earlier runs: every run reads their status back instead of filing again.
    const previousRequests = await journaledIncreaseRequests(stateDir);
    const phase = buildPreflightPhase({ requestIncreases: this.flags['request-increases'], previousRequests });
    // Checks observe the present: every run re-checks unless one step is picked with --from / --only.
    const restart = flags.from === undefined && flags.only === undefined;
    const phaseResult = await executePhase(phase, services, {
      deployment: config.deployment.name,
      command,
      globals: this.globals,
      flags: { ...flags, restart },
      host,
      concurrency: phase.steps.length,
      probe: identity !== undefined,
      remote,
    });
    const report = reportFromPhase(phaseResult);
    if (phaseResult.status === 'planned') return { checks: [], increases: [], summary: report.summary };
    const result: PreflightResult = {
      checks: report.checks.map(({ id, area, status, critical, required, current, quotaCode, message, fix }) => ({
        id,
        area,
        status,
        critical,
        required,
        current,
        quotaCode,
        message,
        fix,
      })),
      increases: report.increases,
      summary: report.summary,
    };

    if (!this.jsonEnabled()) {
      const view = await import('../ui/preflight-view.js');
      if (host.kind === 'tty') {
        const [{ createStyle }, { terminalWidth }] = await Promise.all([
          import('../ui/style.js'),
          import('../ui/renderers/plan-tree.js'),
        ]);
        this.log(
          view.renderPreflightTable(report, {
            style: createStyle({ stream: process.stdout }),
            width: terminalWidth(process.stdout.columns ?? 120),
          }),
        );
      } else {
        this.log(view.renderPreflightLines(report));
      }
    }
    if (report.summary.exitCode !== 0) {
      const error =
        report.summary.exitCode === 1
          ? new CheckFailedError(
              `${report.summary.criticalFailures} critical preflight check${report.summary.criticalFailures === 1 ? '' : 's'} failed: ${report.checks
                .filter((c) => c.status === 'fail' && c.critical && !c.unchecked)
                .map((c) => c.id)
                .join(', ')}`,
              { nextSteps: ['Apply the fixes listed above and run `coder-platform preflight` again.'] },
            )
          : new ExternalError(
              'aws',
              'preflight',
              `${report.summary.unchecked} check${report.summary.unchecked === 1 ? '' : 's'} could not be carried out: ${report.checks
                .filter((c) => c.unchecked)
                .map((c) => c.id)
                .join(', ')}`,
              { nextSteps: ['Grant the IAM actions named above (or fix the network), then re-run.'] },
            );
      // --json: the result is the output and the exit code carries the verdict.
      if (!this.jsonEnabled()) throw error;
      process.exitCode = error.exitCode;
    }
    return result;
  }
}
