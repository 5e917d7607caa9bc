/**
 * The Kubernetes objects a composed template creates, read from the composed archive's own files with the
 * project's HCL parser (@cdktf/hcl2json) and rendered with the variables the root module passes (taken
 * from the archive's composition.tf.json). Dynamic blocks follow their for_each, or are all instantiated
 * (`everyOptionalBlock`) to cover every container a template could ever add.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import type { ComposedTemplate } from '../../src/phases/day1/templates/compose.js';
import { evaluate, lazyLocals, Unresolved, type EvalContext } from './hcl-eval.js';

export type K8sObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Blocks that occur once in the Kubernetes object (everything else stays a list). */
const SINGLE = new Set([
  'metadata',
  'spec',
  'template',
  'security_context',
  'seccomp_profile',
  'capabilities',
  'resources',
  'selector',
  'pod_selector',
  'namespace_selector',
  'ip_block',
  'persistent_volume_claim',
  'strategy',
  'empty_dir',
  'host_path',
  'config_map',
  'secret',
]);
const RENAMED: Record<string, string> = {
  container: 'containers',
  init_container: 'initContainers',
  volume: 'volumes',
  volume_mount: 'volumeMounts',
  toleration: 'tolerations',
  port: 'ports',
};
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const blockName = (s: string) => RENAMED[s] ?? camel(s);

export interface RenderOptions {
  everyOptionalBlock?: boolean;
}

function render(node: unknown, ctx: EvalContext, options: RenderOptions): unknown {
  if (Array.isArray(node)) return node.map((n) => render(n, ctx, options));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    const blocks: Record<string, unknown[]> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'dynamic') {
        for (const [name, entries] of Object.entries(
          value as Record<string, { for_each: unknown; content: unknown[] }[]>,
        )) {
          for (const entry of entries) {
            const each = evaluate(entry.for_each, ctx);
            const count = options.everyOptionalBlock
              ? 1
              : Array.isArray(each)
                ? each.length
                : Object.keys(each as object).length;
            for (let i = 0; i < count; i += 1)
              (blocks[name] ??= []).push(...(render(entry.content, ctx, options) as unknown[]));
          }
        }
      } else if (Array.isArray(value) && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
        (blocks[key] ??= []).push(...(render(value, ctx, options) as unknown[]));
      } else {
        out[camel(key)] = renderValue(value, ctx);
      }
    }
    for (const [name, list] of Object.entries(blocks)) out[blockName(name)] = SINGLE.has(name) ? list[0] : list;
    return out;
  }
  return renderValue(node, ctx);
}

/** An attribute's value: lists and maps element by element (map keys, such as label keys, stay as they are). */
function renderValue(value: unknown, ctx: EvalContext): unknown {
  if (Array.isArray(value)) return value.map((v) => renderValue(v, ctx));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, ctx)]));
  try {
    return evaluate(value, ctx);
  } catch (error) {
    if (error instanceof Unresolved) return `<${String(value)}>`;
    throw error;
  }
}

export interface Workspace {
  owner: string;
  name: string;
  id?: string;
  profile?: string;
  capabilities?: Record<string, string>;
}

export interface ParsedTemplate {
  /** type → name → the parsed block (hcl2json). */
  resources: Record<string, Record<string, Record<string, unknown>[]>>;
  data: Record<string, Record<string, Record<string, unknown>[]>>;
  locals: Record<string, unknown>[];
  composition: {
    capabilities: Record<string, string>;
    settings: Record<string, string>;
    profiles: Record<string, Record<string, unknown>>;
    default_profile: string;
    labels: Record<string, string>;
  };
}

/** Every .tf file of the composed archive through hcl2json, merged; plus composition.tf.json. */
export async function parseComposed(template: ComposedTemplate): Promise<ParsedTemplate> {
  const parsed: ParsedTemplate = { resources: {}, data: {}, locals: [], composition: undefined as never };
  for (const file of template.files.filter((f) => f.path.endsWith('.tf'))) {
    const hcl = (await parseHcl(file.path, file.content)) as {
      resource?: ParsedTemplate['resources'];
      data?: ParsedTemplate['data'];
      locals?: Record<string, unknown>[];
    };
    for (const [type, byName] of Object.entries(hcl.resource ?? {}))
      Object.assign((parsed.resources[type] ??= {}), byName);
    for (const [type, byName] of Object.entries(hcl.data ?? {})) Object.assign((parsed.data[type] ??= {}), byName);
    if (file.path.startsWith('base/')) parsed.locals.push(...(hcl.locals ?? []));
  }
  const composition = template.files.find((f) => f.path === 'composition.tf.json')!;
  parsed.composition = (
    JSON.parse(composition.content) as { locals: { composition: ParsedTemplate['composition'] } }
  ).locals.composition;
  return parsed;
}

/** The base module's variables for one workspace, as root/main.tf passes them. */
export function baseContext(parsed: ParsedTemplate, ws: Workspace): EvalContext {
  const c = parsed.composition;
  const ctx: EvalContext = {
    var: {
      workspace_name: ws.name,
      workspace_id: ws.id ?? `00000000-0000-0000-0000-${ws.name.padStart(12, '0').slice(-12)}`,
      owner: ws.owner,
      compute_profile: c.profiles[ws.profile ?? c.default_profile],
      image_id: '',
      start_count: 1,
      agent_init_script: 'echo init',
      agent_token: 'agent-token',
      capabilities: { ...c.capabilities, ...ws.capabilities },
      labels: { ...c.labels, 'coder.owner': ws.owner, 'coder.workspace': ws.name },
      settings: c.settings,
    },
    local: {},
  };
  ctx.local = lazyLocals(parsed.locals, ctx);
  return ctx;
}

/** One resource rendered as its Kubernetes object (block structure camel-cased, expressions evaluated). */
export function renderResource(
  parsed: ParsedTemplate,
  type: string,
  name: string,
  ws: Workspace,
  options: RenderOptions = {},
): K8sObject {
  const block = parsed.resources[type]?.[name]?.[0];
  if (!block) throw new Error(`the template has no ${type}.${name}`);
  return render(block, baseContext(parsed, ws), options) as K8sObject;
}

/** Every rendered resource of a type (resource name → object). */
export function renderAll(
  parsed: ParsedTemplate,
  type: string,
  ws: Workspace,
  options: RenderOptions = {},
): Record<string, K8sObject> {
  return Object.fromEntries(
    Object.keys(parsed.resources[type] ?? {}).map((name) => [name, renderResource(parsed, type, name, ws, options)]),
  );
}
