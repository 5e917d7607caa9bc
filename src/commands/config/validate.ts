import { BaseCommand } from '../../base-command.js';
import type { ConfigValidateResult } from '../../cli/everyday.js';

export type { ConfigValidateResult } from '../../cli/everyday.js';

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary = 'validate a configuration file';
  static override description =
    'Checks the schema and every cross-field rule (CIDR layout, node-group bounds, schedule, secrets as references) and reports all problems together with their line and column. Exit 0 when valid, 2 when not. Touches no AWS account.';
  static override examples = [
    '<%= config.bin %> config validate',
    '<%= config.bin %> config validate --config staging.yaml',
  ];

  public async run(): Promise<ConfigValidateResult> {
    const { configValidateAction } = await import('../../cli/everyday.js');
    return configValidateAction(this.globals);
  }
}
