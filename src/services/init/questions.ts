/**
 * The init wizard's questions as data: each has a flag, a CODER_PLATFORM_* variable, a key in the
 * --answers file, a one-line help text, and a default from the profile. Prompts (src/ui/prompts) and the
 * non-interactive path read the same list, so every question can be answered without a terminal.
 */
import { profileDefaults } from '../../config/profiles.js';
import { PROFILE_NAMES, TEMPLATE_NAMES, type ProfileName } from '../../config/schema.js';
import { parseCidr } from '../../config/cidr.js';
import { isSecretReference } from '../../config/secret-reference.js';
import { isIanaTimeZone, isValidDomain } from '../../config/validate.js';
import {
  baseProfileFor,
  formatMix,
  maxWorkspaceNodesThatFit,
  parseMix,
  suggestWorkspaceNodes,
} from './custom-sizing.js';

export const SHAPES = [...PROFILE_NAMES, 'custom'] as const;
export type Shape = (typeof SHAPES)[number];

export interface InitAnswers {
  name: string;
  awsProfile: string;
  region: string;
  shape: Shape;
  concurrent?: number;
  mix?: string;
  workspaceMaxNodes?: number;
  domain: string;
  subdomain: string;
  certificate: 'create' | 'existing';
  certificateArn?: string;
  /** CIDRs that may reach the public Kubernetes API endpoint, comma-separated; empty keeps the endpoint private. */
  apiCidrs: string;
  cloudTrail: 'create' | 'existing';
  oidc: 'configure' | 'skip';
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecretRef?: string;
  coderVersion: string;
  templates: string[];
  schedule: boolean;
  timezone: string;
  scaleUp: string;
  scaleDown: string;
  rtoMinutes: number;
  rpoMinutes: number;
  restoreTestCadence: 'weekly' | 'monthly' | 'quarterly';
  adminEmail: string;
}
export type AnswerId = keyof InitAnswers;
export type AnswerValue = string | number | boolean | string[];

export interface Choice {
  value: string;
  name: string;
  description?: string;
}

export interface Question {
  id: AnswerId;
  /** The flag that answers it (without --). Region and AWS profile are the shared flags. */
  flag: string;
  /** The environment variable oclif reads for the flag. */
  env: string;
  message: string;
  /** One line shown under the question and as the flag's help. */
  help: string;
  kind: 'text' | 'number' | 'select' | 'checkbox' | 'confirm' | 'secret-ref';
  /** Prompted interactively (false: flag, env or answers file only, with a default). */
  prompt: boolean;
  /** A non-interactive run without this answer fails, naming the flag. */
  required: boolean;
  /** Answered by one of BaseCommand's shared flags rather than an init flag. */
  shared?: boolean;
  when?: (answers: Partial<InitAnswers>) => boolean;
  choices?: (answers: Partial<InitAnswers>) => Choice[];
  default?: (answers: Partial<InitAnswers>) => AnswerValue | undefined;
  /** true, or why the value is not acceptable. */
  validate?: (value: AnswerValue, answers: Partial<InitAnswers>) => true | string;
}

const envOf = (flag: string) => `CODER_PLATFORM_${flag.toUpperCase().replaceAll('-', '_')}`;

/** The profile a set of answers builds on. */
export function baseProfile(answers: Partial<InitAnswers>): ProfileName {
  if (answers.shape === 'custom') return baseProfileFor(answers.concurrent ?? 500);
  return answers.shape ?? 'mvp-500';
}

type ProfileView = {
  aws: { region: string };
  deployment: { name: string };
  dns: { subdomain: string };
  coder: { version: string };
  workspaces: { concurrent: number; sizes: Record<string, { share: number; template: string }>; templates: string[] };
  schedule: { enabled: boolean; timezone: string; scaleUp: string; scaleDown: string };
  backup: { rtoMinutes: number; rpoMinutes: number; restoreTestCadence: InitAnswers['restoreTestCadence'] };
};
const profileOf = (answers: Partial<InitAnswers>) => profileDefaults(baseProfile(answers)) as unknown as ProfileView;

const hhmm = (v: AnswerValue) =>
  (typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v)) || 'use a 24-hour time HH:MM such as 06:45';
/** `203.0.113.0/24, 198.51.100.7/32` → the CIDRs (empty for none). */
export function splitCidrs(value: string): string[] {
  return value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}
const cidrList = (v: AnswerValue) => {
  if (typeof v !== 'string') return 'CIDRs such as 203.0.113.0/24, comma-separated';
  const bad = splitCidrs(v)
    .map(parseCidr)
    .find((r) => !r.ok);
  return bad && !bad.ok ? `${bad.reason}; give CIDRs such as 203.0.113.0/24, comma-separated, or nothing` : true;
};
const positiveInt = (max: number) => (v: AnswerValue) =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max) || `a whole number from 1 to ${max}`;
/** Templates the workspace sizes need: only sizes with a share (a custom mix may give a size 0 %). */
const requiredTemplates = (answers: Partial<InitAnswers>): string[] => {
  const sizes = profileOf(answers).workspaces.sizes;
  const mix =
    answers.shape === 'custom' && answers.mix !== undefined ? parseMix(answers.mix, Object.keys(sizes)) : undefined;
  const share = (name: string, size: { share: number }): number =>
    mix !== undefined && typeof mix !== 'string' ? (mix[name] ?? 0) : size.share;
  return [
    ...new Set(
      Object.entries(sizes)
        .filter(([name, s]) => share(name, s) > 0)
        .map(([, s]) => s.template),
    ),
  ];
};

const q = (
  question: Omit<Question, 'env' | 'prompt' | 'required'> & Partial<Pick<Question, 'prompt' | 'required'>>,
): Question => ({
  prompt: true,
  required: false,
  env: envOf(question.flag),
  ...question,
});

export const QUESTIONS: readonly Question[] = [
  q({
    id: 'name',
    flag: 'name',
    kind: 'text',
    message: 'Deployment name',
    help: 'Lower-case name used in stack names, tags and the state directory.',
    default: (a) => profileOf(a).deployment.name,
    validate: (v) =>
      (typeof v === 'string' && /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(v)) ||
      '3–32 lower-case letters, digits and hyphens, starting with a letter',
  }),
  q({
    id: 'awsProfile',
    flag: 'aws-profile',
    shared: true,
    kind: 'text',
    message: 'AWS profile (empty for the default credential chain)',
    help: 'A profile from ~/.aws/config (SSO works); empty uses environment variables or the instance role.',
    default: () => '',
    validate: (v) =>
      (typeof v === 'string' && /^[A-Za-z0-9_.+@-]{0,128}$/.test(v)) || 'a profile name from ~/.aws/config',
  }),
  q({
    id: 'region',
    flag: 'region',
    shared: true,
    kind: 'text',
    message: 'AWS region',
    help: 'Where the VPC, cluster and database live.',
    default: (a) => profileOf(a).aws.region,
    validate: (v) =>
      (typeof v === 'string' && /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(v)) ||
      'an AWS region code such as us-east-1',
  }),
  q({
    id: 'shape',
    flag: 'shape',
    kind: 'select',
    required: true,
    message: 'Platform shape',
    help: 'mvp-500 and scale-3000 are the two designs; custom sizes the workspace nodes for your own count and mix.',
    choices: () => [
      {
        value: 'mvp-500',
        name: 'mvp-500',
        description: '500 concurrent workspaces, 2 AZs, 1 NAT, RDS PostgreSQL Multi-AZ, m7i nodes',
      },
      {
        value: 'scale-3000',
        name: 'scale-3000',
        description:
          '3,000 concurrent workspaces, 3 AZs, Aurora Serverless v2, Spot workspaces with on-demand fallback',
      },
      {
        value: 'custom',
        name: 'custom',
        description: 'your own concurrent count and size mix; node groups sized from the instance table',
      },
    ],
    default: () => 'mvp-500',
    validate: (v) => (SHAPES as readonly unknown[]).includes(v) || `one of ${SHAPES.join(', ')}`,
  }),
  q({
    id: 'concurrent',
    flag: 'concurrent',
    kind: 'number',
    required: true,
    when: (a) => a.shape === 'custom',
    message: 'Concurrent workspaces at peak',
    help: `Up to ${1000} workspaces use the mvp-500 layout; more use scale-3000.`,
    default: () => 500,
    validate: positiveInt(100000),
  }),
  q({
    id: 'mix',
    flag: 'mix',
    kind: 'text',
    when: (a) => a.shape === 'custom',
    message: 'Workspace size mix (NAME=PERCENT,…)',
    help: 'Share of each workspace size in percent; the shares add up to 100.',
    default: (a) => formatMix(profileOf(a).workspaces.sizes),
    validate: (v, a) => {
      const parsed =
        typeof v === 'string' ? parseMix(v, Object.keys(profileOf(a).workspaces.sizes)) : 'NAME=PERCENT pairs';
      return typeof parsed === 'string' ? parsed : true;
    },
  }),
  q({
    id: 'workspaceMaxNodes',
    flag: 'workspace-max-nodes',
    kind: 'number',
    when: (a) => a.shape === 'custom',
    message: 'Workspace node group maximum',
    help: 'Suggested from the sizing table: enough nodes for every pod workspace at its requests.',
    default: (a) => {
      const base = baseProfile(a);
      const mix = parseMix(
        a.mix ?? formatMix(profileOf(a).workspaces.sizes),
        Object.keys(profileOf(a).workspaces.sizes),
      );
      return typeof mix === 'string'
        ? undefined
        : Math.min(suggestWorkspaceNodes(base, a.concurrent ?? 500, mix).maxSize, maxWorkspaceNodesThatFit(base));
    },
    validate: (v, a) => {
      const fit = maxWorkspaceNodesThatFit(baseProfile(a));
      if (positiveInt(1000)(v) !== true) return positiveInt(1000)(v);
      return (
        (v as number) <= fit ||
        `at most ${fit} nodes fit the ${baseProfile(a)} workspace subnets; for more, write the file and enlarge network.subnets`
      );
    },
  }),
  q({
    id: 'domain',
    flag: 'domain',
    kind: 'text',
    required: true,
    message: 'Domain',
    help: 'Coder is served at <subdomain>.<domain>; multi-label domains such as dev.example.co.uk work.',
    validate: (v) => (typeof v === 'string' && isValidDomain(v)) || 'a lower-case domain such as example.com',
  }),
  q({
    id: 'subdomain',
    flag: 'subdomain',
    kind: 'text',
    message: 'Subdomain',
    help: 'One DNS label; workspace apps use *.<subdomain>.<domain>.',
    default: (a) => profileOf(a).dns.subdomain,
    validate: (v) =>
      (typeof v === 'string' && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v)) || 'one DNS label such as coder',
  }),
  q({
    id: 'certificate',
    flag: 'certificate',
    kind: 'select',
    message: 'TLS certificate',
    help: 'A new DNS-validated ACM certificate for the name and its wildcard, or one you already have in this region.',
    choices: () => [
      {
        value: 'create',
        name: 'create',
        description: 'request a new ACM certificate (DNS-validated in the hosted zone)',
      },
      { value: 'existing', name: 'existing', description: 'use an existing ACM certificate ARN' },
    ],
    default: (a) => (a.certificateArn ? 'existing' : 'create'),
    validate: (v) => v === 'create' || v === 'existing' || 'create or existing',
  }),
  q({
    id: 'certificateArn',
    flag: 'certificate-arn',
    kind: 'text',
    required: true,
    when: (a) => a.certificate === 'existing',
    message: 'ACM certificate ARN',
    help: 'Must cover <subdomain>.<domain> and *.<subdomain>.<domain>, in the deployment region.',
    validate: (v, a) =>
      (typeof v === 'string' &&
        new RegExp(`^arn:aws[a-z-]*:acm:${a.region ?? '[a-z0-9-]+'}:\\d{12}:certificate/[0-9a-f-]{36}$`).test(v)) ||
      `an ACM certificate ARN in ${a.region ?? 'the deployment region'}`,
  }),
  q({
    id: 'apiCidrs',
    flag: 'api-cidrs',
    kind: 'text',
    message:
      'Addresses that may reach the Kubernetes API from outside the VPC (CIDRs, comma-separated; empty: private endpoint only)',
    help: 'day1 runs helm and kubectl against the cluster: give the egress CIDRs of your office, VPN or CI, or leave empty and run day1 from inside the VPC. 0.0.0.0/0 opens the API to the internet (preflight and plan warn).',
    default: () => '',
    validate: cidrList,
  }),
  q({
    id: 'cloudTrail',
    flag: 'cloud-trail',
    kind: 'select',
    message: 'CloudTrail',
    help: 'A multi-Region trail of management events (KMS-encrypted, log file validation), or none because an organization or multi-Region trail already covers the account (preflight checks).',
    choices: () => [
      { value: 'create', name: 'create', description: 'create a multi-Region trail for this account' },
      {
        value: 'existing',
        name: 'existing',
        description: 'an organization or multi-Region trail already records this account',
      },
    ],
    default: () => 'create',
    validate: (v) => v === 'create' || v === 'existing' || 'create or existing',
  }),
  q({
    id: 'oidc',
    flag: 'oidc',
    kind: 'select',
    message: 'Single sign-on (OIDC)',
    help: 'Configure your identity provider now, or skip and sign in with the first admin account.',
    choices: () => [
      {
        value: 'configure',
        name: 'configure',
        description: 'issuer URL, client id and a reference to the client secret',
      },
      { value: 'skip', name: 'skip', description: 'password login only; add OIDC later in the config' },
    ],
    default: (a) => (a.oidcIssuer ? 'configure' : 'skip'),
    validate: (v) => v === 'configure' || v === 'skip' || 'configure or skip',
  }),
  q({
    id: 'oidcIssuer',
    flag: 'oidc-issuer',
    kind: 'text',
    required: true,
    when: (a) => a.oidc === 'configure',
    message: 'OIDC issuer URL',
    help: 'The https:// issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0.',
    validate: (v) => (typeof v === 'string' && /^https:\/\/[^\s/]+(\/\S*)?$/.test(v)) || 'an https:// URL',
  }),
  q({
    id: 'oidcClientId',
    flag: 'oidc-client-id',
    kind: 'text',
    required: true,
    when: (a) => a.oidc === 'configure',
    message: 'OIDC client id',
    help: 'The application (client) id registered for Coder.',
    validate: (v) => (typeof v === 'string' && v.trim().length > 0) || 'the client id',
  }),
  q({
    id: 'oidcClientSecretRef',
    flag: 'oidc-client-secret-ref',
    kind: 'secret-ref',
    required: true,
    when: (a) => a.oidc === 'configure',
    message: 'OIDC client secret reference',
    help: 'Where the secret lives, not the secret: a Secrets Manager ARN or name (coder/oidc-client-secret) or env:NAME.',
    validate: (v) =>
      (typeof v === 'string' && isSecretReference(v)) ||
      'a reference such as env:CODER_OIDC_CLIENT_SECRET or coder/oidc-client-secret, never the secret itself',
  }),
  q({
    id: 'coderVersion',
    flag: 'coder-version',
    kind: 'text',
    message: 'Coder version',
    help: 'The Helm chart and image version to install (semantic version, no leading v).',
    default: (a) => profileOf(a).coder.version,
    validate: (v) =>
      (typeof v === 'string' && /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v)) || 'a version such as 2.35.3',
  }),
  q({
    id: 'templates',
    flag: 'templates',
    kind: 'checkbox',
    message: 'Templates to publish',
    help: "Published on Day 1; the shape's workspace sizes need their own templates.",
    choices: () => TEMPLATE_NAMES.map((t) => ({ value: t, name: t })),
    default: (a) => profileOf(a).workspaces.templates,
    validate: (v, a) => {
      if (!Array.isArray(v) || v.length === 0) return 'pick at least one template';
      const unknown = v.filter((t) => !(TEMPLATE_NAMES as readonly string[]).includes(t));
      if (unknown.length > 0) return `unknown template ${unknown.join(', ')}; templates: ${TEMPLATE_NAMES.join(', ')}`;
      const missing = requiredTemplates(a).filter((t) => !v.includes(t));
      return missing.length === 0 || `the workspace sizes need ${missing.join(', ')}`;
    },
  }),
  q({
    id: 'schedule',
    flag: 'schedule',
    kind: 'confirm',
    message: 'Scale nodes to business hours?',
    help: 'Raise node minimums before the working day and lower them after; the autoscaler removes idle nodes.',
    default: (a) => profileOf(a).schedule.enabled,
  }),
  q({
    id: 'timezone',
    flag: 'timezone',
    kind: 'text',
    when: (a) => a.schedule === true,
    message: 'Business-hours time zone',
    help: 'An IANA zone such as America/New_York or Europe/Berlin.',
    default: (a) => profileOf(a).schedule.timezone,
    validate: (v) => (typeof v === 'string' && isIanaTimeZone(v)) || 'an IANA time zone such as America/New_York',
  }),
  q({
    id: 'scaleUp',
    flag: 'scale-up',
    kind: 'text',
    when: (a) => a.schedule === true,
    message: 'Scale up at (HH:MM)',
    help: 'Nodes need about 15 minutes to be ready: 06:45 for a 07:00 start.',
    default: (a) => profileOf(a).schedule.scaleUp,
    validate: hhmm,
  }),
  q({
    id: 'scaleDown',
    flag: 'scale-down',
    kind: 'text',
    when: (a) => a.schedule === true,
    message: 'Scale down at (HH:MM)',
    help: 'After the working day, e.g. 18:15.',
    default: (a) => profileOf(a).schedule.scaleDown,
    validate: (v, a) => (hhmm(v) === true ? v !== a.scaleUp || 'must differ from the scale-up time' : hhmm(v)),
  }),
  q({
    id: 'rtoMinutes',
    flag: 'rto-minutes',
    kind: 'number',
    message: 'Recovery time objective (minutes)',
    help: 'How long a restore may take; the restore test measures it.',
    default: (a) => profileOf(a).backup.rtoMinutes,
    validate: positiveInt(10080),
  }),
  q({
    id: 'rpoMinutes',
    flag: 'rpo-minutes',
    kind: 'number',
    message: 'Recovery point objective (minutes)',
    help: 'How much data a restore may lose; point-in-time recovery gives about 5 minutes.',
    default: (a) => profileOf(a).backup.rpoMinutes,
    validate: positiveInt(10080),
  }),
  q({
    id: 'restoreTestCadence',
    flag: 'restore-test-cadence',
    kind: 'select',
    message: 'Restore test cadence',
    help: 'How often `day2 restore-test` should prove the objectives.',
    choices: () => ['weekly', 'monthly', 'quarterly'].map((c) => ({ value: c, name: c })),
    default: (a) => profileOf(a).backup.restoreTestCadence,
    validate: (v) => ['weekly', 'monthly', 'quarterly'].includes(String(v)) || 'weekly, monthly or quarterly',
  }),
  q({
    id: 'adminEmail',
    flag: 'admin-email',
    kind: 'text',
    prompt: false,
    message: 'First admin e-mail',
    help: 'The first Coder owner account; default admin@<domain>.',
    default: (a) => (a.domain ? `admin@${a.domain}` : undefined),
    validate: (v) => (typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) || 'an e-mail address',
  }),
];

/** Turn a flag, environment or answers-file value into the question's type. */
export function coerceAnswer(
  question: Question,
  raw: unknown,
): { ok: true; value: AnswerValue } | { ok: false; reason: string } {
  switch (question.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      return Number.isFinite(n) && String(raw).trim() !== ''
        ? { ok: true, value: n }
        : { ok: false, reason: `"${String(raw)}" is not a number` };
    }
    case 'confirm':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (/^(true|yes|on|1)$/i.test(String(raw))) return { ok: true, value: true };
      if (/^(false|no|off|0)$/i.test(String(raw))) return { ok: true, value: false };
      return { ok: false, reason: `"${String(raw)}" is not true or false` };
    case 'checkbox':
      // A list (flag given twice, answers file) or one comma-separated string (environment variable); both may mix.
      return {
        ok: true,
        value: (Array.isArray(raw) ? raw : [raw])
          .flatMap((item) => String(item).split(','))
          .map((s) => s.trim())
          .filter(Boolean),
      };
    default:
      return { ok: true, value: String(raw).trim() };
  }
}
