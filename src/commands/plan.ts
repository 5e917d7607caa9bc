import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import type { PlanResult } from '../phases/plan/service.js';

/** Stacks with resource counts, the monthly cost estimate, the diagram file and (with --diff) the diff. */
export type PlanCommandResult = PlanResult;

export default class Plan extends BaseCommand<typeof Plan> {
  static override summary = 'synthesize the platform offline; show stacks, estimated cost, architecture and diff';
  static override description =
    'Synthesizes the bundled CDK app in-process into the state directory (no credentials or network needed), counts each stack’s resources, estimates the monthly cost 24×7 and with the business-hours schedule from a bundled price table (its date is shown), and writes the architecture as a Mermaid diagram (<state-dir>/architecture.mmd). With --diff and working credentials it also diffs against the deployed stacks.';
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --pricing live --diff',
    '<%= config.bin %> plan --json',
    '<%= config.bin %> plan --diff --summary-file "$GITHUB_STEP_SUMMARY"',
  ];
  static override flags = {
    pricing: Flags.string({
      summary:
        'Price source: the bundled table, or live EC2 prices from the AWS Price List API (falls back to the table).',
      options: ['table', 'live'],
      default: 'table',
      env: 'CODER_PLATFORM_PRICING',
    }),
    diff: Flags.boolean({
      summary: 'Diff against the deployed stacks (needs AWS credentials).',
      default: false,
      env: 'CODER_PLATFORM_DIFF',
    }),
    'summary-file': Flags.string({
      summary: 'Also append the plan as Markdown to this file (in CI: "$GITHUB_STEP_SUMMARY").',
      env: 'CODER_PLATFORM_SUMMARY_FILE',
    }),
  };

  public async run(): Promise<PlanCommandResult> {
    const { loadConfigFromGlobals } = await import('../config/from-globals.js');
    const { config, path: configPath } = await loadConfigFromGlobals(this.globals);
    const { openStateDir } = await import('../engine/state-dir.js');
    const stateDir = await openStateDir({ override: this.globals.stateDir, configPath, config, write: true });
    const { createHost } = await import('../ui/host.js');
    const { plan } = await import('../phases/plan/service.js');
    const host = createHost(this.globals);
    let result: PlanResult;
    try {
      result = await plan({
        config,
        stateDir,
        host,
        pricing: this.flags.pricing === 'live' ? 'live' : 'table',
        diff: this.flags.diff,
        aws: { profile: this.globals.awsProfile, region: config.aws.region },
      });
    } finally {
      await host.close();
    }
    if (this.flags['summary-file'] !== undefined) {
      const { appendFile } = await import('node:fs/promises');
      const { renderPlanMarkdown } = await import('../ui/plan-view.js');
      await appendFile(this.flags['summary-file'], renderPlanMarkdown(result));
    }
    if (!this.jsonEnabled()) {
      const [{ renderPlan }, { isPlainTerminal }, { terminalWidth }] = await Promise.all([
        import('../ui/plan-view.js'),
        import('../ui/renderers/listr.js'),
        import('../ui/renderers/plan-tree.js'),
      ]);
      // A person's terminal gets the tables fitted to its width; CI and pipes keep the natural widths.
      const width =
        process.stdout.isTTY === true && !isPlainTerminal() ? terminalWidth(process.stdout.columns) : undefined;
      process.stdout.write(renderPlan(result, { width }));
    }
    return result;
  }
}
