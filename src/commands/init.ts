import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import type { InitResult } from '../init/wizard.js';
import { QUESTIONS, type AnswerId } from '../init/questions.js';

export type { InitResult };

/** One flag per wizard question (region and AWS profile are the shared flags), each with its CODER_PLATFORM_* variable. */
const questionFlags = Object.fromEntries(
  QUESTIONS.filter((q) => !q.shared).map((q) => [
    q.flag,
    q.kind === 'confirm'
      ? Flags.boolean({ summary: q.help, env: q.env, allowNo: true, helpGroup: 'ANSWER' })
      : q.kind === 'checkbox'
        ? Flags.string({ summary: `${q.message}, comma-separated (${(q.choices?.({}) ?? []).map((c) => c.value).join(', ')}): ${q.help}`, env: q.env, helpGroup: 'ANSWER', multiple: true, delimiter: ',' })
        : Flags.string({ summary: `${q.message}: ${q.help}`, env: q.env, helpGroup: 'ANSWER', ...(q.choices ? { options: q.choices({}).map((c) => c.value) } : {}) }),
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
    answers: Flags.string({ summary: 'YAML file of answers keyed like the flags (camelCase ids also accepted); flags win over it.', env: 'CODER_PLATFORM_ANSWERS' }),
    force: Flags.boolean({ summary: 'Replace an existing configuration file.', env: 'CODER_PLATFORM_FORCE', default: false }),
  };

  public async run(): Promise<InitResult> {
    const { runInit } = await import('../init/wizard.js');
    const { readAnswersFile } = await import('../init/answers-file.js');
    const flags = this.flags as Record<string, unknown>;
    const fromFile = flags.answers === undefined ? {} : await readAnswersFile(String(flags.answers));
    const given: Partial<Record<AnswerId, unknown>> = { ...fromFile };
    for (const q of QUESTIONS) {
      const value = q.id === 'region' ? this.globals.region : q.id === 'awsProfile' ? this.globals.awsProfile : flags[q.flag];
      if (value !== undefined) given[q.id] = value;
    }
    const prompter = this.globals.nonInteractive ? undefined : (await import('../ui/prompts/init-prompter.js')).createTerminalPrompter();
    const result = await runInit({ path: this.globals.configPath, given, force: flags.force === true, ...(prompter ? { prompter } : {}) });
    if (!this.jsonEnabled()) {
      const { renderInitDone, renderInitWarnings } = await import('../ui/prompts/init-done.js');
      process.stderr.write(renderInitWarnings(result));
      process.stdout.write(renderInitDone(result, (id) => this.config.findCommand(id) !== undefined));
    }
    return result;
  }
}
