import { BaseCommand } from '../base-command.js';
import type { StatusResult } from '../services/status.js';

export type { StatusResult } from '../services/status.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = "show the deployment's phases, steps, deployed versions and the next command";
  static override description =
    'Reads the journal and lock in the state directory (default .coder-platform/<name>/; with the s3 state backend, from the state bucket — the only AWS service it contacts). Shows each phase and step with its state, times and last error, the versions recorded so far, and the command to run next (a failed or interrupted phase is resumed first).';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --config prod.yaml --json'];

  public async run(): Promise<StatusResult> {
    const { statusAction } = await import('../cli/everyday.js');
    return statusAction(this.globals);
  }
}
