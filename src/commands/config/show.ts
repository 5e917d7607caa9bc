import { BaseCommand } from '../../base-command.js';
import type { ConfigShowResult } from '../../cli/everyday.js';

/** The fully resolved configuration. Secret fields hold references (ARN, name or env:NAME), never values. */
export type { ConfigShowResult } from '../../cli/everyday.js';

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary = 'print the fully resolved configuration';
  static override description =
    'Merges the profile defaults, the file, CODER_PLATFORM_* variables and flags (in that order of precedence, lowest first), validates the result and prints it as YAML. Secrets appear only as their references.';
  static override examples = [
    '<%= config.bin %> config show',
    '<%= config.bin %> config show --config prod.yaml --region eu-west-1 --json',
  ];

  public async run(): Promise<ConfigShowResult> {
    const { configShowAction } = await import('../../cli/everyday.js');
    return configShowAction(this.globals);
  }
}
