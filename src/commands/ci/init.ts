import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import type { CiInitResult } from '../../services/ci/service.js';

export type { CiInitResult } from '../../services/ci/service.js';

export default class CiInit extends BaseCommand<typeof CiInit> {
  static override summary =
    'write a CI pipeline (GitHub Actions or GitLab CI) that plans, deploys and restore-tests this deployment';
  static override description =
    'Writes a pipeline that assumes an AWS role through OIDC (no stored keys), runs preflight and plan on ' +
    'every pull/merge request (the plan summary as the job summary), day0 deploy and day1 on the deploy branch' +
    ' behind the environment’s approval, and day2 restore-test --upload on the schedule of ' +
    'backup.restoreTestCadence; each job non-interactive and serialized on the deployment by the provider’s ' +
    'concurrency group (GitHub, queue: max) or resource_group (GitLab), the jobs that change it also by the S3 ' +
    'state lock. ' +
    'Refuses to overwrite an existing file without --force.';
  static override examples = [
    '<%= config.bin %> ci init --provider github --state-bucket acme-coder-platform-state',
    '<%= config.bin %> ci init --provider gitlab --branch main --json',
  ];
  static override flags = {
    provider: Flags.string({
      summary: 'CI provider to write the pipeline for.',
      options: ['github', 'gitlab'],
      required: true,
      env: 'CODER_PLATFORM_CI_PROVIDER',
    }),
    output: Flags.string({
      char: 'o',
      summary:
        'File to write, relative to the current directory ' +
        '(default: .github/workflows/coder-platform-<name>.yml or .gitlab-ci.yml).',
      env: 'CODER_PLATFORM_CI_OUTPUT',
    }),
    branch: Flags.string({
      summary: 'The branch whose pushes deploy.',
      default: 'main',
      env: 'CODER_PLATFORM_CI_BRANCH',
    }),
    'cli-package': Flags.string({
      summary:
        'npm spec the jobs run with npx when package.json does not list coder-platform ' +
        '(default: coder-platform@<this version>).',
      env: 'CODER_PLATFORM_CI_CLI_PACKAGE',
    }),
    force: Flags.boolean({
      summary: 'Overwrite an existing pipeline file.',
      default: false,
      env: 'CODER_PLATFORM_CI_FORCE',
    }),
    'dry-run': Flags.boolean({
      summary: 'Show what would be written and write nothing.',
      default: false,
      env: 'CODER_PLATFORM_DRY_RUN',
    }),
  };

  public async run(): Promise<CiInitResult> {
    const f = this.flags;
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config } = await loadConfigFromGlobals(this.globals);
    const { initCi } = await import('../../services/ci/service.js');
    const result = await initCi({
      provider: f.provider as 'github' | 'gitlab',
      config,
      configPath: this.globals.configPath,
      root: process.cwd(),
      output: f.output,
      branch: f.branch,
      cliSpec: f['cli-package'] ?? `coder-platform@${this.config.version}`,
      // The deployment's state backend settings (config `state:`, or the global --state-* flags).
      stateBucket: config.state.bucket,
      statePrefix: config.state.prefix,
      stateRegion: config.state.region,
      force: f.force,
      dryRun: f['dry-run'],
    });
    if (!this.jsonEnabled()) {
      const { renderCiInit } = await import('../../ui/ci-view.js');
      process.stdout.write(renderCiInit(result));
    }
    return result;
  }
}
