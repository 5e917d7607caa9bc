/**
 * Load coder-platform.yaml: parse with positions, merge profile ← file ← environment ← flags, validate
 * with the zod schema and the cross-field rules, and report every problem with its key path, line and
 * column. Nothing here touches AWS or the network.
 */
import { open } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { decodeConfigBytes, describeUnusualCharacters, MAX_CONFIG_BYTES, tooLargeError } from './input-checks.js';
import { partialConfig } from './partial.js';
import { PROFILES, profileDefaults, type ConfigLayer } from './profiles.js';
import {
  API_VERSION,
  configSchema,
  nodeGroupSchema,
  PROFILE_NAMES,
  type CoderPlatformConfig,
  type ProfileName,
} from './schema.js';
import { credentialKind, describeSecretValue } from './secret-reference.js';
import { validateNodeGroupBounds, validateSections, validateSemantics } from './validate.js';
import { parseYaml, type ParsedYaml, type PositionFinder } from './yaml-doc.js';

export { MAX_CONFIG_BYTES } from './input-checks.js';
export { MAX_CONFIG_ISSUES } from '../errors.js';

export interface LoadConfigOptions {
  /** Path of the YAML file. */
  path: string;
  /** Highest-precedence values (flags, then environment), as a partial config. */
  overrides?: ConfigLayer;
}

export interface LoadedConfig {
  config: CoderPlatformConfig;
  /** The file the config came from. */
  path: string;
}

/** Keys whose values are secret references: what is found there is described, never shown. */
export const SECRET_PATHS: readonly string[] = ['coder.oidc.clientSecret', 'coder.license'];

/**
 * Read, merge and validate a config file. Throws ConfigError (exit 2) listing the problems. A file over
 * MAX_CONFIG_BYTES is refused before it is read in full; the encoding is checked before YAML sees it.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  let bytes: Buffer;
  try {
    const handle = await open(options.path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_CONFIG_BYTES) {
        const head = Buffer.alloc(MAX_CONFIG_BYTES);
        const { bytesRead } = await handle.read(head, 0, MAX_CONFIG_BYTES, 0);
        throw tooLargeError(options.path, size, head.subarray(0, bytesRead));
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(
      options.path,
      [{ path: '(file)', message, example: 'coder-platform init --shape mvp-500 --domain example.com' }],
      {
        nextSteps: ['Create one with `coder-platform init`, or pass --config PATH.'],
      },
    );
  }
  return {
    config: parseConfigText(decodeConfigBytes(bytes, options.path), options.path, options.overrides),
    path: options.path,
  };
}

/** Parse and resolve YAML text (the file layer) into a validated config. */
export function parseConfigText(
  text: string,
  file: string | undefined,
  overrides: ConfigLayer = {},
): CoderPlatformConfig {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CONFIG_BYTES) throw tooLargeError(file, size, text);
  const yaml = parseYaml(text, file);
  return resolveLayers(yaml.value as ConfigLayer, overrides, file, yaml.position, yaml.source);
}

/** Merge and validate already-parsed layers. */
export function resolveLayers(
  fileLayer: ConfigLayer,
  overrides: ConfigLayer,
  file: string | undefined,
  position: PositionFinder = () => ({}),
  source: ParsedYaml['source'] = () => undefined,
): CoderPlatformConfig {
  const profile = (overrides.profile ?? fileLayer.profile) as unknown;
  if (typeof profile !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(profile)) {
    const found =
      typeof profile === 'string'
        ? `unknown profile ${JSON.stringify(profile)}${describeUnusualCharacters(profile)}`
        : `expected a profile name, found ${describeValue(profile)}`;
    const where = position(['profile']);
    throw new ConfigError(file, [
      {
        path: 'profile',
        line: where.line ?? 1,
        column: where.column ?? 1,
        message: profile === undefined ? 'is required' : `${found}; one of ${PROFILE_NAMES.join(', ')}`,
        example: 'profile: mvp-500',
      },
    ]);
  }
  const defaults = profileDefaults(profile as ProfileName);
  const merged = deepMerge(deepMerge(defaults, fileLayer), overrides);
  merged.apiVersion ??= API_VERSION;

  // reportInput: zod 4 leaves the offending value out of its issues unless asked, and the message says what was found.
  const parsed = configSchema.safeParse(merged, { reportInput: true });
  const place = (issue: ConfigIssue) => locate(issue, position, profile as ProfileName, overrides);
  if (parsed.success) {
    const semantic = validateSemantics(parsed.data);
    if (semantic.length > 0) throw new ConfigError(file, semantic.map(place));
    return parsed.data;
  }
  // Report everything at once: the schema's issues, plus every cross-field rule whose parts parsed (./partial.ts).
  const { sections, invalid } = partialConfig(merged, parsed.error, defaults);
  const issues = [
    ...zodIssues(parsed.error, position, source, profile as ProfileName),
    ...validateSections(sections, invalid),
  ];
  if (invalid.has('cluster') || invalid.has('cluster.nodeGroups')) {
    // The node groups failed somewhere; still check the bounds of every node group that is valid on its own.
    const groups = (merged.cluster as { nodeGroups?: unknown } | undefined)?.nodeGroups;
    for (const [name, raw] of Object.entries(groups !== null && typeof groups === 'object' ? groups : {})) {
      const group = nodeGroupSchema.safeParse(raw);
      if (group.success) issues.push(...validateNodeGroupBounds(name, group.data));
    }
  }
  const seen = new Set<string>();
  const unique = issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  throw new ConfigError(file, unique.map(place));
}

/** Add the YAML position and, when a rule gave none, a valid example (the profile's own value for that key). */
function locate(
  issue: ConfigIssue,
  position: PositionFinder,
  profile: ProfileName,
  overrides: ConfigLayer,
): ConfigIssue {
  const example = issue.example ?? profileExample(issue.path, profile);
  const parts = splitPath(issue.path);
  if (hasPath(overrides, parts)) {
    // The value came from a flag or variable: the file's line for that key would point at the value that lost.
    const { line: _line, column: _column, ...rest } = issue;
    return { ...rest, message: `${issue.message} (set by a flag or CODER_PLATFORM_* variable)`, example };
  }
  if (issue.line !== undefined) return { ...issue, example };
  // A key the file does not have (e.g. a required one left out) points at its nearest parent, else the top of the file.
  const where = position(parts);
  return { ...issue, line: where.line ?? 1, column: where.column ?? 1, example };
}

function hasPath(layer: ConfigLayer, parts: (string | number)[]): boolean {
  let node: unknown = layer;
  for (const part of parts) {
    if (node === null || typeof node !== 'object' || !(part in node)) return false;
    node = (node as Record<string | number, unknown>)[part];
  }
  return parts.length > 0;
}

/** Objects merge key by key; arrays and scalars replace. `null` in a higher layer clears a value. */
export function deepMerge(base: ConfigLayer, layer: ConfigLayer): ConfigLayer {
  const out: ConfigLayer = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is ConfigLayer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function zodIssues(
  error: z.ZodError,
  position: PositionFinder,
  source: ParsedYaml['source'],
  profile: ProfileName,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const basePath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...basePath, key];
        const suggestion = suggestKey(key, basePath, profile);
        const message = `unknown key ${JSON.stringify(key)}${describeUnusualCharacters(key)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
        const example = suggestion
          ? profileExample(formatPath([...basePath, suggestion]), profile)
          : exampleFor(formatPath(basePath));
        issues.push({
          path: formatPath(path),
          ...position(path),
          message,
          example: example ?? 'remove it, or check the spelling against the JSON Schema',
        });
      }
      continue;
    }
    const path = formatPath(basePath);
    const found = describeFound(issue, path, source(basePath));
    const example = exampleFor(path);
    issues.push({ path, ...position(basePath), message: `${issue.message}${found}`, ...(example ? { example } : {}) });
  }
  return issues;
}

/** The known key (from the profile) an unknown one is probably meant to be: same letters, or one edit away. */
function suggestKey(key: string, parent: (string | number)[], profile: ProfileName): string | undefined {
  let node: unknown = PROFILES[profile];
  for (const part of parent)
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[part] : undefined;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const plain = key
    .normalize('NFKC')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase();
  const letters = (text: string) => [...text.toLowerCase()].sort().join('');
  return Object.keys(node).find(
    (known) =>
      known.toLowerCase() === plain ||
      letters(known) === letters(plain) ||
      (Math.abs(known.length - key.length) <= 1 && editDistance(known.toLowerCase(), key.toLowerCase()) <= 1),
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** `key: value` from the named profile (or the other one) for a path, as a valid example. */
export function profileExample(path: string, profile: ProfileName): string {
  const parts = splitPath(path);
  const key = parts.filter((p) => typeof p === 'string').at(-1) ?? path;
  for (const name of [profile, ...PROFILE_NAMES.filter((n) => n !== profile)]) {
    let value: unknown = PROFILES[name];
    for (const part of parts)
      value =
        value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
    if (value !== undefined && value !== null) {
      const text = stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
      return typeof parts.at(-1) === 'number' ? text : `${key}: ${text}`;
    }
  }
  return 'see schema/coder-platform.schema.json for the allowed values';
}

/** Longest found value shown in a message, in characters. */
const MAX_FOUND = 80;

/**
 * ` (found "spot")`. A secret field's value, and any value that looks like a credential, is described by
 * kind and length only; a number is shown as written (a number above 2^53 would print as another one);
 * long text is cut.
 */
function describeFound(issue: z.core.$ZodIssue, path: string, written: string | undefined): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return issue.code === 'invalid_type' ? ' (missing)' : '';
  if (SECRET_PATHS.includes(path) || (typeof input === 'string' && credentialKind(input) !== undefined)) {
    if (issue.message.includes('found a ')) return '';
    return ` (found ${typeof input === 'string' ? describeSecretValue(input) : Array.isArray(input) ? 'a list' : `a ${input === null ? 'null' : typeof input}`})`;
  }
  const shown =
    typeof input === 'number' && written !== undefined && /^[-+]?[\d._]+(e[-+]?\d+)?$/i.test(written)
      ? written
      : describeValue(input);
  return shown && !issue.message.includes(shown) ? ` (found ${shown})` : '';
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const chars = [...value];
    const text =
      chars.length > MAX_FOUND
        ? `${JSON.stringify(chars.slice(0, MAX_FOUND).join(''))}… (${chars.length} characters)`
        : JSON.stringify(value);
    return `${text}${describeUnusualCharacters(value)}`;
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** `['network','subnets','private',1]` → `network.subnets.private[1]`. */
export function formatPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

export function splitPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const segment of path.split('.')) {
    const match = /^([^[]*)((\[\d+\])*)$/.exec(segment);
    if (!match) {
      parts.push(segment);
      continue;
    }
    if (match[1]) parts.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

/** Valid examples for the keys people most often get wrong. */
const EXAMPLES: [RegExp, string][] = [
  [/^apiVersion$/, `apiVersion: ${API_VERSION}`],
  [/^deployment\.name$/, 'name: coder-prod'],
  [/^deployment\.environment$/, 'environment: production'],
  [/^aws\.region$/, 'region: us-east-1'],
  [/^aws\.accountId$/, 'accountId: "123456789012"'],
  [/^aws\.availabilityZones/, 'availabilityZones: [us-east-1a, us-east-1b] (zones of aws.region)'],
  [/^network\.vpcCidr$/, 'vpcCidr: 10.0.0.0/16'],
  [/^network\.subnets\./, '10.0.32.0/20'],
  [/^network\.azCount$/, 'azCount: 3'],
  [/^network\.natGateways$/, 'natGateways: 1'],
  [/^network\.interfaceEndpoints/, '[ecr.api, ecr.dkr, sts, secretsmanager, logs]'],
  [/^network\.flowLogRetentionDays$/, 'flowLogRetentionDays: 90'],
  [/^cluster\.kubernetesVersion$/, 'kubernetesVersion: "1.34"'],
  [/\.instanceTypes/, 'instanceTypes: [m5.2xlarge]'],
  [/\.capacityType$/, 'capacityType: ON_DEMAND'],
  [/\.(minSize|desiredSize|maxSize)$/, 'minSize: 1, desiredSize: 2, maxSize: 10'],
  [/\.taints/, '{ key: coder-ws, value: "true", effect: NoSchedule }'],
  [/^database\.engine$/, 'engine: aurora-serverless-v2'],
  [/^database\.backupRetentionDays$/, 'backupRetentionDays: 35 (and longTermRetentionDays: 90 for AWS Backup)'],
  [/^database\.crossRegionCopyRegion$/, 'crossRegionCopyRegion: us-west-2'],
  [/^dns\.domain$/, 'domain: example.com'],
  [/^dns\.hostedZoneId$/, 'hostedZoneId: Z0123456789ABCDEFGHIJ'],
  [
    /^dns\.certificateArn$/,
    'certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
  ],
  [/^coder\.version$/, 'version: 2.35.3'],
  [/^coder\.admin\.email$/, 'email: platform-team@example.com'],
  [/^coder\.oidc\.clientSecret$/, 'clientSecret: env:CODER_OIDC_CLIENT_SECRET'],
  [/^coder\.license$/, 'license: arn:aws:secretsmanager:us-east-1:123456789012:secret:coder/license-AbCdEf'],
  [/^coder\.oidc\.issuerUrl$/, 'issuerUrl: https://login.example.com/'],
  [/^coder\.oidc\.clientId$/, 'clientId: coder'],
  [/^coder\.oidc\.roleField$/, 'roleField: roles'],
  [
    /^coder\.oidc\.(groupField|groupRegexFilter|emailDomains|allowSignups)$/,
    'oidc: { groupField: groups, groupRegexFilter: "^coder-.*", emailDomains: [example.com], allowSignups: true }',
  ],
  [/^schedule\.scaleUp$/, 'scaleUp: "06:45"'],
  [/^schedule\.scaleDown$/, 'scaleDown: "18:15"'],
  [/^schedule\.timezone$/, 'timezone: America/New_York'],
  [/^schedule\.weekdays/, 'weekdays: [MON, TUE, WED, THU, FRI]'],
  [/^workspaces\.templates/, 'templates: [pod-swdev]'],
  [/^workspaces\.sizes/, 'm: { cpu: 4, memoryGiB: 8, storageGiB: 50, share: 60, template: pod-swdev }'],
  [/^backup\./, 'rtoMinutes: 120, rpoMinutes: 15, restoreTestCadence: monthly'],
];

export function exampleFor(path: string): string | undefined {
  return EXAMPLES.find(([pattern]) => pattern.test(path))?.[1];
}
