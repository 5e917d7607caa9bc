import { BaseCommand } from '../../base-command.js';
import type { StateMigrateResult } from '../../phases/state/service.js';

export type { StateMigrateResult } from '../../phases/state/service.js';

export default class StateMigrate extends BaseCommand<typeof StateMigrate> {
  static override summary = 'move the local state (journal, reports, generated files) to the S3 state bucket, once';
  static override description =
    'Uploads the journal and files of the local state directory to s3://<state.bucket>/<state.prefix><name>/ under the S3 lock. Refuses, uploading nothing, when the bucket already holds a journal for this deployment. cdk.out stays local. Afterwards set state.backend: s3 (or CODER_PLATFORM_STATE_BACKEND=s3) for every run.';
  static override examples = ['<%= config.bin %> state migrate --state-bucket acme-coder-platform-state'];

  public async run(): Promise<StateMigrateResult> {
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config } = await loadConfigFromGlobals(this.globals);
    const { stateDirFor } = await import('../../engine/state-dir.js');
    const { migrateState } = await import('../../phases/state/service.js');
    const result = await migrateState({
      config,
      stateDir: stateDirFor(this.globals.stateDir, config.deployment.name),
      awsProfile: this.globals.awsProfile,
      command: 'coder-platform state migrate',
    });
    if (!this.globals.json) {
      process.stderr.write(
        `Uploaded the journal and ${result.files} file(s) to ${result.location}. Use state.backend: s3 from now on.\n`,
      );
    }
    return result;
  }
}
