import { BaseCommand } from '../../base-command.js';

export type ConfigValidateResult = { valid: true; path: string; deployment: string; profile: string };

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary = 'validate a configuration file';
  static override description =
    'Checks the schema and every cross-field rule (CIDR layout, node-group bounds, schedule, secrets as references) and reports all problems together with their line and column. Exit 0 when valid, 2 when not. Touches no AWS account.';
  static override examples = ['<%= config.bin %> config validate', '<%= config.bin %> config validate --config staging.yaml'];

  public async run(): Promise<ConfigValidateResult> {
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config, path } = await loadConfigFromGlobals(this.globals);
    if (!this.jsonEnabled()) {
      const { renderValidateOk } = await import('../../ui/config-view.js');
      process.stdout.write(renderValidateOk(path, config));
    }
    return { valid: true, path, deployment: config.deployment.name, profile: config.profile };
  }
}
