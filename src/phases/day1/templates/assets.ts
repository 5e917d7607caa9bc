/**
 * Loading the template assets (assets/templates): the capability contract, toolchains, bases and
 * pairings. Manifests are YAML, parsed with zod so a broken asset is reported precisely.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../../errors.js';

/** assets/templates of this installation (works from src/ under tsx and from dist/src/ when built). */
export function templatesRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'assets', 'templates');
    if (existsSync(path.join(candidate, 'contract', 'capabilities.yaml'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new ConfigError(undefined, [
    { path: 'assets/templates', message: 'the template assets were not found next to coder-platform' },
  ]);
}

const capabilityDef = z.union([
  z.strictObject({ type: z.literal('bool'), default: z.boolean() }),
  z.strictObject({ type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string() }),
]);

export const contractSchema = z.strictObject({
  contract: z.string(),
  capabilities: z.record(z.string(), capabilityDef),
  constraints: z.array(
    z.union([
      z.strictObject({ kind: z.literal('mutually-exclusive'), capabilities: z.array(z.string()).min(2) }),
      z.strictObject({
        kind: z.literal('requires'),
        when: z.strictObject({ capability: z.string(), equals: z.union([z.boolean(), z.string()]) }),
        then: z.strictObject({ capability: z.string(), in: z.array(z.string()) }),
      }),
    ]),
  ),
  platforms: z.record(z.string(), z.array(z.string())),
  overrides: z.strictObject({
    allowed: z.array(z.string()),
    denied: z.array(z.string()),
    blockedEnvPrefixes: z.array(z.string()),
    blockedLabelPrefixes: z.array(z.string()),
  }),
});
export type Contract = z.infer<typeof contractSchema>;

/**
 * One thing a toolchain installs, and how its install script checks it at the end: an executable on PATH
 * (`command`), a Python module (`python`) or a named component (`component`). `when` names a bool capability the
 * entry depends on.
 */
export const toolchainInstallSchema = z
  .strictObject({
    name: z.string().min(1),
    command: z.string().min(1).optional(),
    python: z.string().min(1).optional(),
    component: z.string().min(1).optional(),
    /** What the install part of the script installs it as (package, installer), when that is not the name checked. */
    via: z.string().min(1).optional(),
    when: z.string().optional(),
  })
  .refine((i) => [i.command, i.python, i.component].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of command, python or component',
  });
export type ToolchainInstall = z.infer<typeof toolchainInstallSchema>;

export const toolchainSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  description: z.string(),
  requires: z.array(z.string()),
  optional: z.array(z.string()).default([]),
  /** What the toolchain's install script installs; the script ends by checking exactly these. */
  installs: z.array(toolchainInstallSchema).min(1),
});
export type Toolchain = z.infer<typeof toolchainSchema>;

export const baseSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  platform: z.string(),
  /** Root provider configuration, relative to assets/templates (default: the base's own providers.tf). */
  providers: z.string().optional(),
  /**
   * Module files kept once under assets/templates/shared and copied into the composed base/ folder: .tf files
   * and the files they read with templatefile() / file() (.tftpl templates, .sh scripts).
   */
  sharedModule: z
    .array(
      z.string().regex(/^shared\/[a-z0-9/_.-]+\.(tf|tftpl|sh)$/, {
        message: 'must be a .tf, .tftpl or .sh file under shared/',
      }),
    )
    .default([]),
});
export type Base = z.infer<typeof baseSchema>;

const quantity = z.string().regex(/^[0-9]+[KMGT]i$/, { message: 'must look like 8Gi' });
export const computeProfileSchema = z.strictObject({
  cpu: z.number().min(1).max(64),
  memory: quantity,
  storage: quantity,
  gpu_count: z.int().min(0).max(8).default(0),
  gpu_type: z.enum(['', 'nvidia-t4', 'a10g', 'v100', 'a100']).default(''),
  instance_type: z.string().default(''),
});
export type ComputeProfile = z.infer<typeof computeProfileSchema>;

export const pairingSchema = z.strictObject({
  name: z.string(),
  displayName: z.string(),
  description: z.string(),
  toolchain: z.string(),
  base: z.string(),
  image: z.string().default(''),
  profiles: z.record(z.string(), computeProfileSchema),
  defaultProfile: z.string(),
  capabilities: z.record(z.string(), z.union([z.boolean(), z.string()])),
  overrides: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  acl: z.record(z.string(), z.enum(['use', 'admin'])).default({}),
});
export type Pairing = z.infer<typeof pairingSchema>;

export interface TemplateAssets {
  root: string;
  contract: Contract;
  toolchains: Record<string, Toolchain>;
  bases: Record<string, Base>;
  pairings: Record<string, Pairing>;
}

async function loadYaml<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(parseYaml(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
      {
        nextSteps: ['The template assets of this installation are damaged; reinstall coder-platform or fix the file.'],
      },
    );
  }
  return parsed.data;
}

async function loadDir<T>(dir: string, manifest: string, schema: z.ZodType<T>): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) out[entry.name] = await loadYaml(path.join(dir, entry.name, manifest), schema);
    else if (manifest === '' && entry.name.endsWith('.yaml'))
      out[entry.name.replace(/\.yaml$/, '')] = await loadYaml(path.join(dir, entry.name), schema);
  }
  return out;
}

export async function loadTemplateAssets(root = templatesRoot()): Promise<TemplateAssets> {
  const [contract, toolchains, bases, pairings] = await Promise.all([
    loadYaml(path.join(root, 'contract', 'capabilities.yaml'), contractSchema),
    loadDir(path.join(root, 'toolchains'), 'toolchain.yaml', toolchainSchema),
    loadDir(path.join(root, 'bases'), 'base.yaml', baseSchema),
    loadDir(path.join(root, 'pairings'), '', pairingSchema),
  ]);
  return { root, contract, toolchains, bases, pairings };
}
