/**
 * Load coder-platform.yaml: parse with positions, merge profile ← file ← environment ← flags, validate
 * with the zod schema and the cross-field rules, and report every problem with its key path, line and
 * column. Nothing here touches AWS or the network.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { PROFILES, profileDefaults, type ConfigLayer } from './profiles.js';
import { API_VERSION, configSchema, nodeGroupSchema, PROFILE_NAMES, type CoderPlatformConfig, type ProfileName } from './schema.js';
import { validateNodeGroupBounds, validateSections, validateSemantics, type ValidSections } from './validate.js';

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

/** Read, merge and validate a config file. Throws ConfigError (exit 2) listing every problem. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(options.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(options.path, [{ path: '(file)', message: code === 'ENOENT' ? 'the file does not exist' : `cannot be read (${code ?? String(error)})`, example: 'coder-platform init --shape mvp-500 --domain example.com' }], {
      nextSteps: ['Create one with `coder-platform init`, or pass --config PATH.'],
    });
  }
  return { config: parseConfigText(text, options.path, options.overrides), path: options.path };
}

/** Parse and resolve YAML text (the file layer) into a validated config. */
export function parseConfigText(text: string, file: string | undefined, overrides: ConfigLayer = {}): CoderPlatformConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: '(yaml)', message: e.message.split('\n')[0] ?? e.message, line: pos.line, column: pos.col, example: 'key: value, indented with spaces' };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '(root)', message: 'the file must be a YAML mapping', line: 1, column: 1, example: `apiVersion: ${API_VERSION}` }]);
  }
  const position = positionFinder(doc, lineCounter);
  return resolveLayers(raw as ConfigLayer, overrides, file, position);
}

type PositionFinder = (path: (string | number)[]) => { line?: number; column?: number };

/** Merge and validate already-parsed layers. */
export function resolveLayers(fileLayer: ConfigLayer, overrides: ConfigLayer, file: string | undefined, position: PositionFinder = () => ({})): CoderPlatformConfig {
  const profile = (overrides.profile ?? fileLayer.profile) as unknown;
  if (typeof profile !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new ConfigError(file, [{ path: 'profile', ...position(['profile']), message: profile === undefined ? 'is required' : `unknown profile ${JSON.stringify(profile)}; one of ${PROFILE_NAMES.join(', ')}`, example: 'profile: mvp-500' }]);
  }
  const merged = deepMerge(deepMerge(profileDefaults(profile as ProfileName), fileLayer), overrides);
  merged.apiVersion ??= API_VERSION;

  // reportInput: zod 4 leaves the offending value out of its issues unless asked, and the message says what was found.
  const parsed = configSchema.safeParse(merged, { reportInput: true });
  if (parsed.success) {
    const semantic = validateSemantics(parsed.data);
    if (semantic.length > 0) throw new ConfigError(file, semantic.map((issue) => locate(issue, position, profile as ProfileName, overrides)));
    return parsed.data;
  }
  // Report everything at once: the schema's issues, plus the cross-field rules of every section that is valid on its own.
  const sections: ValidSections = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const section = schema.safeParse(merged[key]);
    if (section.success) (sections as Record<string, unknown>)[key] = section.data;
  }
  const issues = [...zodIssues(parsed.error, position), ...validateSections(sections)];
  if (sections.cluster === undefined) {
    // The cluster section failed somewhere; still check the bounds of every node group that is valid on its own.
    const groups = (merged.cluster as { nodeGroups?: unknown } | undefined)?.nodeGroups;
    for (const [name, raw] of Object.entries(groups !== null && typeof groups === 'object' ? groups : {})) {
      const group = nodeGroupSchema.safeParse(raw);
      if (group.success) issues.push(...validateNodeGroupBounds(name, group.data));
    }
  }
  const seen = new Set<string>();
  throw new ConfigError(
    file,
    issues
      .map((issue) => locate(issue, position, profile as ProfileName, overrides))
      .filter((issue) => {
        const key = `${issue.path}\u0000${issue.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
  );
}

/** Add the YAML position and, when a rule gave none, a valid example (the profile's own value for that key). */
function locate(issue: ConfigIssue, position: PositionFinder, profile: ProfileName, overrides: ConfigLayer): ConfigIssue {
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

function zodIssues(error: z.ZodError, position: PositionFinder): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const basePath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...basePath, key];
        issues.push({ path: formatPath(path), ...position(path), message: `unknown key "${key}"`, example: exampleFor(formatPath(basePath)) ?? 'remove it, or check the spelling against the JSON Schema' });
      }
      continue;
    }
    const path = formatPath(basePath);
    const found = describeFound(issue);
    const example = exampleFor(path);
    issues.push({ path, ...position(basePath), message: `${issue.message}${found}`, ...(example ? { example } : {}) });
  }
  return issues;
}

/** `key: value` from the named profile (or the other one) for a path, as a valid example. */
export function profileExample(path: string, profile: ProfileName): string {
  const parts = splitPath(path);
  const key = parts.filter((p) => typeof p === 'string').at(-1) ?? path;
  for (const name of [profile, ...PROFILE_NAMES.filter((n) => n !== profile)]) {
    let value: unknown = PROFILES[name];
    for (const part of parts) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
    if (value !== undefined && value !== null) {
      const text = stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
      return typeof parts.at(-1) === 'number' ? text : `${key}: ${text}`;
    }
  }
  return 'see schema/coder-platform.schema.json for the allowed values';
}

function describeFound(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return issue.code === 'invalid_type' ? ' (missing)' : '';
  const shown = typeof input === 'string' ? JSON.stringify(input) : typeof input === 'object' ? '' : String(input);
  return shown && !issue.message.includes(shown) ? ` (found ${shown})` : '';
}

/** `['network','subnets','private',1]` → `network.subnets.private[1]`. */
export function formatPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
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

/** Find the deepest node of `path` present in the document, so a value from the profile still points near its override. */
function positionFinder(doc: Document, lineCounter: LineCounter): PositionFinder {
  return (path) => {
    for (let depth = path.length; depth > 0; depth -= 1) {
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      const key = path[depth - 1];
      let range: [number, number, number] | null | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
        range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      } else if (isSeq(parent) && typeof key === 'number') {
        range = (parent.items[key] as { range?: [number, number, number] } | undefined)?.range;
      }
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
}

/** Valid examples for the keys people most often get wrong. */
const EXAMPLES: [RegExp, string][] = [
  [/^apiVersion$/, `apiVersion: ${API_VERSION}`],
  [/^deployment\.name$/, 'name: coder-prod'],
  [/^deployment\.environment$/, 'environment: production'],
  [/^aws\.region$/, 'region: us-east-1'],
  [/^aws\.accountId$/, 'accountId: "123456789012"'],
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
  [/^dns\.certificateArn$/, 'certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab'],
  [/^coder\.version$/, 'version: 2.35.3'],
  [/^coder\.admin\.email$/, 'email: platform-team@example.com'],
  [/^coder\.oidc\.clientSecret$/, 'clientSecret: env:CODER_OIDC_CLIENT_SECRET'],
  [/^coder\.license$/, 'license: arn:aws:secretsmanager:us-east-1:123456789012:secret:coder/license-AbCdEf'],
  [/^coder\.oidc\.issuerUrl$/, 'issuerUrl: https://login.example.com/'],
  [/^schedule\.(scaleUp|scaleDown)$/, 'scaleUp: "06:45"'],
  [/^schedule\.timezone$/, 'timezone: America/New_York'],
  [/^schedule\.weekdays/, 'weekdays: [MON, TUE, WED, THU, FRI]'],
  [/^workspaces\.templates/, 'templates: [pod-swdev]'],
  [/^workspaces\.sizes/, 'm: { cpu: 4, memoryGiB: 8, storageGiB: 50, share: 60, template: pod-swdev }'],
  [/^backup\./, 'rtoMinutes: 120, rpoMinutes: 15, restoreTestCadence: monthly'],
];

export function exampleFor(path: string): string | undefined {
  return EXAMPLES.find(([pattern]) => pattern.test(path))?.[1];
}
