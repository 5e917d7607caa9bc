import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { UserError } from '../errors.js';
import type { InitResult } from '../services/init/wizard.js';
import { QUESTIONS, type AnswerId } from '../services/init/questions.js';

export type { InitResult };

/** One flag per wizard question (region and AWS profile are the shared flags), each with its CODER_PLATFORM_* variable. */
const questionFlags = Object.fromEntries(
  QUESTIONS.filter((q) => !q.shared).map((q) => [
    q.flag,
    q.kind === 'confirm'
      ? Flags.boolean({ summary: q.help, env: q.env, allowNo: true, helpGroup: 'ANSWER' })
      : q.kind === 'checkbox'
        ? Flags.string({
            summary: `${q.message}, comma-separated (${(q.choices?.({}) ?? []).map((c) => c.value).join(', ')}): ${q.help}`,
            env: q.env,
            helpGroup: 'ANSWER',
            multiple: true,
            delimiter: ',',
          })
        : Flags.string({
            summary: `${q.message}: ${q.help}`,
            env: q.env,
            helpGroup: 'ANSWER',
            ...(q.choices ? { options: q.choices({}).map((c) => c.value) } : {}),
          }),
  ]),
);

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'write coder-platform.yaml with a wizard or from flags';
  static override description =
    'Asks for the deployment name, AWS profile and region, shape (mvp-500, scale-3000 or custom), domain, certificate, OIDC, Coder version, templates, business-hours schedule and backup objectives, then writes a commented coder-platform.yaml that lists only what differs from the profile. Without a terminal (or with --non-interactive) every answer comes from flags, CODER_PLATFORM_* variables or --answers FILE.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --non-interactive --shape mvp-500 --domain example.com',
    '<%= config.bin %> init --non-interactive --shape custom --concurrent 1200 --domain dev.example.co.uk --config staging.yaml',
    '<%= config.bin %> init --non-interactive --answers answers.yaml --force',
  ];
  static override flags = {
    ...questionFlags,
    answers: Flags.string({
      summary: 'YAML file of answers keyed like the flags (camelCase ids also accepted); flags win over it.',
      env: 'CODER_PLATFORM_ANSWERS',
    }),
    force: Flags.boolean({
      summary: 'Replace an existing configuration file.',
      env: 'CODER_PLATFORM_FORCE',
      default: false,
    }),
    walk: Flags.boolean({
      summary:
        'After writing the file, run preflight → plan → day0 deploy → day1, stopping at the first that fails (interactive: asked before each; --no-walk never asks).',
      env: 'CODER_PLATFORM_WALK',
      allowNo: true,
    }),
  };

  public async run(): Promise<InitResult> {
    const { runInit } = await import('../services/init/wizard.js');
    const { readAnswersFile } = await import('../services/init/answers-file.js');
    const flags = this.flags as Record<string, unknown>;
    const fromFile = flags.answers === undefined ? {} : await readAnswersFile(String(flags.answers));
    const given: Partial<Record<AnswerId, unknown>> = { ...fromFile };
    for (const q of QUESTIONS) {
      const value =
        q.id === 'region' ? this.globals.region : q.id === 'awsProfile' ? this.globals.awsProfile : flags[q.flag];
      if (value !== undefined) given[q.id] = value;
    }
    if (flags.walk === true && this.globals.json) {
      throw new UserError('--walk runs the next phases, whose output cannot share stdout with the --json result.', {
        nextSteps: ['Drop --json, or run the phases one by one with --json.'],
      });
    }
    const prompter = this.globals.nonInteractive
      ? undefined
      : (await import('../ui/prompts/init-prompter.js')).createTerminalPrompter();
    const result = await runInit({
      path: this.globals.configPath,
      given,
      force: flags.force === true,
      ...(prompter ? { prompter } : {}),
    });
    if (!this.jsonEnabled()) {
      const { renderInitDone, renderInitWarnings } = await import('../ui/prompts/init-done.js');
      process.stderr.write(renderInitWarnings(result));
      process.stdout.write(renderInitDone(result, (id) => this.config.findCommand(id) !== undefined));
      // Walk when asked to, or offer it on a terminal; never in CI unless --walk says so.
      if (flags.walk === true || (flags.walk === undefined && !this.globals.nonInteractive))
        await this.walk(result, flags.walk === true);
    }
    return result;
  }

  /** Run the next phases as their own commands, with the shared flags passed on; a failing phase ends the walk with its exit code. */
  private async walk(result: InitResult, told: boolean): Promise<void> {
    const { confirmPhase, renderPhaseHeading, renderWalkStopped } = await import('../ui/prompts/walk.js');
    const { commandId } = await import('../ui/prompts/init-done.js');
    const g = this.globals;
    const argv = [
      '--config',
      g.configPath,
      ...(g.awsProfile ? ['--aws-profile', g.awsProfile] : []),
      ...(g.stateDir ? ['--state-dir', g.stateDir] : []),
      ...(g.stateBackend ? ['--state-backend', g.stateBackend] : []),
      ...(g.stateBucket ? ['--state-bucket', g.stateBucket] : []),
      ...(g.statePrefix !== undefined ? ['--state-prefix', g.statePrefix] : []),
      ...(g.stateRegion ? ['--state-region', g.stateRegion] : []),
      ...(g.yes ? ['--yes'] : []),
      ...(g.nonInteractive ? ['--non-interactive'] : []),
      ...(g.verbose ? ['--verbose'] : []),
    ];
    const commands = result.nextCommands.filter((c) => this.config.findCommand(commandId(c)) !== undefined);
    for (const [index, command] of commands.entries()) {
      const ask = !g.nonInteractive && !(told && g.yes);
      const short = `${this.config.bin} ${commandId(command).replaceAll(':', ' ')}`;
      if (ask && !(await confirmPhase(short))) {
        process.stderr.write(renderWalkStopped(commands.slice(index)));
        return;
      }
      process.stderr.write(renderPhaseHeading(command));
      await this.config.runCommand(commandId(command), argv);
    }
  }
}
