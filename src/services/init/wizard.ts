/**
 * The init service: collect answers (given values first, then a Prompter when one is supplied, then
 * profile defaults), build the config layer, render a commented file, validate it by loading it back,
 * and write it. No terminal I/O: questions go through the injected Prompter.
 */
import { existsSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BugError, CancelledError, UserError } from '../../errors.js';
import { parseConfigText } from '../../config/load.js';
import { profileDefaults, type ConfigLayer } from '../../config/profiles.js';
import { API_VERSION, coderHost, type CoderPlatformConfig, type ProfileName } from '../../config/schema.js';
import {
  baseProfileFor,
  customLayer,
  formatMix,
  maxWorkspaceNodesThatFit,
  parseMix,
  suggestWorkspaceNodes,
} from './custom-sizing.js';
import type { Prompter, SummaryLine } from './prompter.js';
import { endpointExposure } from '../../config/endpoint-access.js';
import {
  coerceAnswer,
  QUESTIONS,
  splitCidrs,
  type AnswerId,
  type AnswerValue,
  type InitAnswers,
  type Question,
} from './questions.js';
import { fileLayer, renderConfigFile } from './render.js';

export interface InitOptions {
  /** Where to write coder-platform.yaml. */
  path: string;
  /** Answers already given (flags, environment, --answers file), by answer id. Undefined = not given. */
  given: Partial<Record<AnswerId, unknown>>;
  /** Replace an existing file. */
  force: boolean;
  /** Asks the questions that were not given; absent in non-interactive mode. */
  prompter?: Prompter;
  /** Where the `$schema` line points; default the shipped schema, relative to the written file. */
  schemaRef?: string;
}

/** What init did; `--json` prints it. Holds no secret (the OIDC client secret is a reference). */
export interface InitResult {
  path: string;
  deployment: string;
  shape: InitAnswers['shape'];
  profile: ProfileName;
  host: string;
  /** Top-level sections the file sets beyond the profile. */
  sections: string[];
  /** Commands to run next, in order (the phases init can walk). */
  nextCommands: string[];
  /** What the operator should know about the written file (e.g. a custom size capped by the subnets). */
  warnings: string[];
}

/** The shipped JSON Schema, <package>/schema/coder-platform.schema.json, found from this module (src/ or dist/src/). */
export function shippedSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schema', 'coder-platform.schema.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new BugError('schema/coder-platform.schema.json is missing from the package');
    dir = parent;
  }
}

/** The phases after init, in the order they are run: init offers to walk them. */
export const WALK_COMMANDS = ['preflight', 'plan', 'day0 deploy', 'day1'] as const;

export async function runInit(options: InitOptions): Promise<InitResult> {
  const path = resolve(options.path);
  if (!options.force && (await exists(path))) {
    throw new UserError(`${options.path} already exists.`, {
      nextSteps: ['Pass --force to replace it, or --config to write somewhere else.'],
    });
  }
  const answers = await collectAnswers(options.given, options.prompter);
  const { layer, profile } = buildLayer(answers);
  const warnings = customWarnings(answers, profile);
  const base = profileDefaults(profile);
  const written = fileLayer(mergeLayers(base, layer), base);
  const schemaRef = options.schemaRef ?? toPosix(relative(dirname(path), shippedSchemaPath()));
  const text = renderConfigFile(written, { schemaRef, profile });
  // The file must load back to exactly what was answered.
  const loaded: CoderPlatformConfig = parseConfigText(text, options.path);

  if (options.prompter && !(await options.prompter.confirmWrite(summarize(answers, loaded), options.path))) {
    throw new CancelledError('Nothing written.');
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { flag: options.force ? 'w' : 'wx' });
  const configFlag =
    options.path === './coder-platform.yaml' || options.path === 'coder-platform.yaml'
      ? ''
      : ` --config ${options.path}`;
  return {
    path: options.path,
    deployment: loaded.deployment.name,
    shape: answers.shape,
    profile,
    host: coderHost(loaded),
    sections: Object.keys(written).filter((k) => k !== 'apiVersion' && k !== 'profile'),
    nextCommands: WALK_COMMANDS.map((c) => `coder-platform ${c}${configFlag}`),
    warnings,
  };
}

/**
 * Given answers win; missing ones are asked (interactive) or defaulted. Without a prompter every required
 * answer that is missing is named at once, each with its flag, variable and answers-file key.
 */
export async function collectAnswers(
  given: Partial<Record<AnswerId, unknown>>,
  prompter?: Prompter,
): Promise<InitAnswers> {
  const answers: Partial<Record<AnswerId, AnswerValue>> = {};
  const view = answers as Partial<InitAnswers>;
  const givenView: Partial<Record<AnswerId, AnswerValue>> = {};
  const missing: Question[] = [];
  for (const question of QUESTIONS) {
    const raw = given[question.id];
    const coerced = raw === undefined || raw === null ? undefined : coerceAnswer(question, raw);
    if (coerced?.ok) givenView[question.id] = coerced.value;
  }
  for (const question of QUESTIONS) {
    if (question.when && !question.when(view)) continue;
    const raw = given[question.id];
    if (raw !== undefined && raw !== null) {
      const coerced = coerceAnswer(question, raw);
      const verdict = coerced.ok ? (question.validate?.(coerced.value, view) ?? true) : coerced.reason;
      if (verdict !== true || !coerced.ok)
        throw invalidAnswer(question, String(raw), verdict === true ? 'invalid' : verdict);
      answers[question.id] = coerced.value;
      continue;
    }
    // Defaults may look ahead at given answers (e.g. --oidc-issuer implies --oidc configure).
    const fallback = question.default?.({ ...givenView, ...view } as Partial<InitAnswers>);
    if (prompter && question.prompt) {
      answers[question.id] = await prompter.ask({
        id: question.id,
        kind: question.kind,
        message: question.message,
        help: question.help,
        default: fallback,
        choices: question.choices?.(view),
        validate: (value) => question.validate?.(value, view) ?? true,
      });
    } else if (fallback !== undefined && !question.required) {
      answers[question.id] = fallback;
    } else if (question.required) {
      missing.push(question);
    }
  }
  if (missing.length > 0) throw missingAnswers(missing);
  return answers as unknown as InitAnswers;
}

/** One error naming every missing required answer, with where each can come from. */
function missingAnswers(missing: Question[]): UserError {
  const where = (q: Question): string => `--${q.flag} (or ${q.env}, or \`${q.id}:\` in the --answers file)`;
  if (missing.length === 1) {
    const [q] = missing as [Question];
    return new UserError(`Missing answer to "${q.message}": pass ${where(q)}.`, {
      nextSteps: [q.help, 'Run `coder-platform init --help` for every flag.'],
    });
  }
  return new UserError(`Missing ${missing.length} answers: ${missing.map((q) => `--${q.flag}`).join(', ')}.`, {
    nextSteps: [
      ...missing.map((q) => `${q.message}: pass ${where(q)}. ${q.help}`),
      'Run `coder-platform init --help` for every flag.',
    ],
  });
}

function invalidAnswer(question: Question, raw: string, reason: string): UserError {
  const shown = question.kind === 'secret-ref' ? '(value hidden)' : JSON.stringify(raw);
  return new UserError(`--${question.flag} ${shown} is not a valid answer to "${question.message}": ${reason}.`, {
    nextSteps: [question.help],
  });
}

function customWarnings(answers: InitAnswers, profile: ProfileName): string[] {
  if (answers.shape !== 'custom') return [];
  const sizes = (profileDefaults(profile) as { workspaces: { sizes: Record<string, { share: number }> } }).workspaces
    .sizes;
  const mix = parseMix(answers.mix ?? formatMix(sizes), Object.keys(sizes));
  if (typeof mix === 'string') return [];
  const suggestion = suggestWorkspaceNodes(profile, answers.concurrent ?? 500, mix);
  const chosen = answers.workspaceMaxNodes ?? suggestion.maxSize;
  if (chosen >= suggestion.maxSize) return [];
  return [
    `${answers.concurrent ?? 500} concurrent workspaces in this mix need about ${suggestion.maxSize} ${suggestion.instanceType} nodes (bound by ${suggestion.boundBy}); the ${suggestion.group} group is capped at ${chosen}${chosen === maxWorkspaceNodesThatFit(profile) ? ' because that is what the workspace subnets hold' : ''}. For more, enlarge network.subnets and raise cluster.nodeGroups.${suggestion.group}.maxSize.`,
  ];
}

/** The answers as a config layer over their base profile. */
export function buildLayer(answers: InitAnswers): { layer: ConfigLayer; profile: ProfileName } {
  const profile = answers.shape === 'custom' ? baseProfileFor(answers.concurrent ?? 500) : answers.shape;
  const layer: ConfigLayer = {
    apiVersion: API_VERSION,
    profile,
    deployment: { name: answers.name },
    aws: { region: answers.region, ...(answers.awsProfile ? { profile: answers.awsProfile } : {}) },
    dns: {
      domain: answers.domain,
      subdomain: answers.subdomain,
      ...(answers.certificate === 'existing' && answers.certificateArn
        ? { certificateArn: answers.certificateArn }
        : {}),
    },
    coder: {
      version: answers.coderVersion,
      admin: { email: answers.adminEmail },
      oidc:
        answers.oidc === 'configure'
          ? { issuerUrl: answers.oidcIssuer, clientId: answers.oidcClientId, clientSecret: answers.oidcClientSecretRef }
          : null,
    },
    cluster: {
      endpointAccess:
        splitCidrs(answers.apiCidrs ?? '').length > 0
          ? { mode: 'public-and-private', publicCidrs: splitCidrs(answers.apiCidrs) }
          : { mode: 'private', publicCidrs: [] },
    },
    workspaces: { templates: answers.templates },
    schedule: answers.schedule
      ? { enabled: true, timezone: answers.timezone, scaleUp: answers.scaleUp, scaleDown: answers.scaleDown }
      : { enabled: false },
    audit: { cloudTrail: answers.cloudTrail ?? 'create' },
    backup: {
      rtoMinutes: answers.rtoMinutes,
      rpoMinutes: answers.rpoMinutes,
      restoreTestCadence: answers.restoreTestCadence,
    },
  };
  if (answers.shape !== 'custom') return { layer, profile };
  const sizes = Object.keys(
    (profileDefaults(profile) as { workspaces: { sizes: Record<string, unknown> } }).workspaces.sizes,
  );
  const mix = parseMix(
    answers.mix ??
      formatMix(
        (profileDefaults(profile) as { workspaces: { sizes: Record<string, { share: number }> } }).workspaces.sizes,
      ),
    sizes,
  );
  if (typeof mix === 'string') throw new UserError(`--mix: ${mix}.`);
  const custom = customLayer(profile, answers.concurrent ?? 500, mix, answers.workspaceMaxNodes);
  return { layer: mergeLayers(layer, custom), profile };
}

function mergeLayers(a: ConfigLayer, b: ConfigLayer): ConfigLayer {
  const out: ConfigLayer = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? mergeLayers(existing, value) : value;
  }
  return out;
}

function summarize(answers: InitAnswers, config: CoderPlatformConfig): SummaryLine[] {
  const ws = Object.values(config.cluster.nodeGroups).filter(
    (g) => g.role === 'workspace' && g.fallbackFor === undefined,
  );
  return [
    { label: 'Deployment', value: `${config.deployment.name} (${answers.shape}, profile ${config.profile})` },
    {
      label: 'AWS',
      value: `${config.aws.region}${config.aws.profile ? `, profile ${config.aws.profile}` : ', default credentials'}`,
    },
    {
      label: 'Network',
      value: `${config.network.vpcCidr}, ${config.network.azCount} AZs, ${config.network.natGateways} NAT`,
    },
    {
      label: 'Workspaces',
      value: `${config.workspaces.concurrent} concurrent; workspace nodes ${ws.map((g) => `${g.instanceTypes[0]} ${g.minSize}–${g.maxSize}`).join(', ')}`,
    },
    { label: 'URL', value: `https://${coderHost(config)}` },
    { label: 'Certificate', value: config.dns.certificateArn ?? 'new ACM certificate' },
    { label: 'Kubernetes API', value: endpointExposure(config).summary },
    {
      label: 'CloudTrail',
      value:
        config.audit.cloudTrail === 'create' ? 'new multi-Region trail' : 'existing organization or multi-Region trail',
    },
    {
      label: 'OIDC',
      value: config.coder.oidc
        ? `${config.coder.oidc.issuerUrl} (client ${config.coder.oidc.clientId}, secret from ${config.coder.oidc.clientSecret})`
        : 'skipped',
    },
    { label: 'Coder', value: `${config.coder.version}, admin ${config.coder.admin.email}` },
    { label: 'Templates', value: config.workspaces.templates.join(', ') },
    {
      label: 'Schedule',
      value: config.schedule.enabled
        ? `${config.schedule.scaleUp}–${config.schedule.scaleDown} ${config.schedule.timezone}, ${config.schedule.weekdays.join(' ')}`
        : 'off',
    },
    {
      label: 'Backup',
      value: `RTO ${config.backup.rtoMinutes} min, RPO ${config.backup.rpoMinutes} min, restore test ${config.backup.restoreTestCadence}`,
    },
  ];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function toPosix(path: string): string {
  return path.split('\\').join('/');
}

function isObject(value: unknown): value is ConfigLayer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
