/**
 * Helpers for the template script tests: find the external checkers (terraform, shellcheck, cloud-init) and
 * render a module's locals with Terraform itself.
 *
 * Rendering needs no provider: the module's `locals` blocks are read with hcl2json (which keeps every expression
 * as Terraform source), written with its variable names into a scratch root module in JSON syntax next to the
 * files the module reads with templatefile()/file(), and `terraform apply` evaluates them; `terraform output
 * -json` returns the values. Only references to managed resources (which have no value without a cloud) are
 * replaced, by name, with representative values the caller gives.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseHcl } from '@cdktf/hcl2json';
import type { TemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { composeTemplate } from '../../src/phases/day1/templates/compose.js';
import { testConfig } from './helpers.js';

const run = promisify(execFile);

/** Absolute path of an executable on PATH (or in the usual system directories), or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/bin', '/usr/bin', '/usr/sbin'];
  return dirs
    .filter((d) => d !== '')
    .map((d) => path.join(d, name))
    .find((p) => existsSync(p));
}

/**
 * A checker the tests need: present → its path. Absent → a visible skip line locally, or (CI=true) a test failure,
 * because .ci/run installs it and a CI run without it would check nothing.
 */
export function requiredTool(name: string, installHint: string): { path: string | undefined; run: boolean } {
  const found = findTool(name);
  if (!found && process.env.CI !== 'true') {
    console.warn(
      `[skip] ${name} is not installed, so its template checks are skipped here (${installHint}); CI fails instead.`,
    );
  }
  return { path: found, run: found !== undefined || process.env.CI === 'true' };
}

export function assertTool(tool: { path: string | undefined }, name: string): string {
  if (!tool.path)
    throw new Error(`${name} is not installed; .ci/run installs it with apt-get, and these checks must run in CI`);
  return tool.path;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function substitute(value: Json, replacements: Record<string, string>): Json {
  if (typeof value === 'string')
    return Object.entries(replacements).reduce((s, [from, to]) => s.split(from).join(to), value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replacements));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replacements)]));
  return value;
}

export interface ModuleFile {
  path: string;
  content: string;
}

/**
 * Values of the named locals of a module (its .tf files plus the files they read), for the given inputs.
 * `replacements` maps a resource reference (e.g. `aws_ebs_volume.home[0].id`) to a Terraform expression.
 */
export async function renderLocals(
  terraform: string,
  files: ModuleFile[],
  inputs: Record<string, unknown>,
  names: string[],
  replacements: Record<string, string> = {},
): Promise<Record<string, string>> {
  const locals: Record<string, Json> = {};
  const variables = new Set<string>();
  for (const file of files.filter((f) => f.path.endsWith('.tf'))) {
    const parsed = (await parseHcl(file.path, file.content)) as {
      locals?: Record<string, Json>[];
      variable?: Record<string, unknown>;
    };
    for (const block of parsed.locals ?? []) Object.assign(locals, block);
    Object.keys(parsed.variable ?? {}).forEach((v) => variables.add(v));
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tf-render-'));
  try {
    for (const file of files.filter((f) => !f.path.endsWith('.tf')))
      await writeFile(path.join(dir, path.basename(file.path)), file.content);
    const root = {
      variable: Object.fromEntries([...variables].map((v) => [v, {}])),
      locals: substitute(locals, replacements),
      output: Object.fromEntries(names.map((n) => [n, { value: `\${local.${n}}` }])),
    };
    await writeFile(path.join(dir, 'main.tf.json'), JSON.stringify(root, null, 2));
    await writeFile(
      path.join(dir, 'inputs.tfvars.json'),
      JSON.stringify(Object.fromEntries(Object.entries(inputs).filter(([k]) => variables.has(k)))),
    );
    const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
    await run(terraform, ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env });
    await run(terraform, ['apply', '-auto-approve', '-input=false', '-no-color', '-var-file=inputs.tfvars.json'], {
      cwd: dir,
      env,
    }).catch((e: { stderr?: string }) => {
      throw new Error(`terraform could not render ${names.join(', ')}:\n${e.stderr ?? String(e)}`);
    });
    const { stdout } = await run(terraform, ['output', '-json', '-no-color'], { cwd: dir, env });
    const outputs = JSON.parse(stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(names.map((n) => [n, String(outputs[n]?.value)]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CheckResult {
  ok: boolean;
  output: string;
}

/** Runs a checker on a file; exit 0 → ok, anything else → not ok with its output. */
export async function check(tool: string, args: string[], content: string, name: string): Promise<CheckResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tpl-check-'));
  const file = path.join(dir, name);
  try {
    await writeFile(file, content);
    const { stdout, stderr } = await run(tool, [...args, file]);
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (e) {
    const error = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` || error.message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The toolchain module as composed into a template (its .tf and template files). */
export async function toolchainFiles(assets: TemplateAssets, name: string): Promise<ModuleFile[]> {
  const composed = await composeTemplate(
    assets,
    testConfig(),
    Object.values(assets.pairings).find((p) => p.toolchain === name)!.name,
  );
  return composed.files.filter((f) => f.path.startsWith('toolchain/'));
}

/** The rendered install (coder_script) and startup scripts of a toolchain for the given capability values. */
export async function renderToolchain(
  terraform: string,
  assets: TemplateAssets,
  name: string,
  capabilities: Record<string, string>,
): Promise<Record<string, string>> {
  const files = await toolchainFiles(assets, name);
  return renderLocals(
    terraform,
    files,
    { agent_id: 'agent', owner: 'alice', capabilities },
    ['install_script', 'startup_script'].filter((local) => name !== 'windev' || local === 'install_script'),
  );
}
