/**
 * `terraform validate` of the EC2 bases (own plus shared module files, as composed) against the real hashicorp/aws provider schema, when terraform
 * and a local provider mirror are available (TF_PLUGIN_DIR, default /opt/tf-plugins; no registry access
 * is needed). The coder and kubernetes providers are not mirrored, so base-k8s and the composed roots
 * are covered by the HCL parse and structure tests in templates.test.ts instead.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadTemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { baseModuleFiles } from '../../src/phases/day1/templates/compose.js';

const run = promisify(execFile);
const pluginDir = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const terraform = ['/usr/local/bin/terraform', '/usr/bin/terraform'].find((p) => existsSync(p));
const available =
  terraform !== undefined && existsSync(path.join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws'));
const EC2_BASES = [
  ['base-ec2-linux', 'm5.2xlarge'],
  ['base-ec2-windows', 'm5.xlarge'],
  ['base-ec2-gpu', 'g4dn.4xlarge'],
] as const;

describe('terraform validate', () => {
  it.skipIf(!available)(
    'the EC2 base modules are valid against the hashicorp/aws provider schema',
    { timeout: 180_000 },
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tf-validate-'));
      try {
        const assets = await loadTemplateAssets();
        const modules: string[] = [];
        for (const [base, instanceType] of EC2_BASES) {
          await mkdir(path.join(dir, base));
          for (const file of await baseModuleFiles(assets, assets.bases[base]!))
            await writeFile(path.join(dir, base, path.basename(file.path)), file.content);
          modules.push(`module "${base.replace(/-/g, '_')}" {
  source            = "./${base}"
  workspace_name    = "dev"
  workspace_id      = "00000000-0000-0000-0000-000000000001"
  owner             = "alice"
  compute_profile   = { cpu = 8, memory = "32Gi", storage = "500Gi", gpu_count = 0, gpu_type = "", instance_type = "${instanceType}" }
  image_id          = ""
  start_count       = 1
  agent_init_script = "echo init"
  agent_token       = "token"
  capabilities      = { "persistent-home" = "true", "network-egress" = "https-only", "gui-rdp" = "true" }
  labels            = { "coder.owner" = "alice" }
  settings          = { region = "us-east-1", deployment = "acme", subnet_tier = "workspace" }
}`);
        }
        await writeFile(
          path.join(dir, 'main.tf'),
          `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\nprovider "aws" {\n  region = "us-east-1"\n}\n${modules.join('\n')}\n`,
        );
        const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
        await run(terraform!, ['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${pluginDir}`], {
          cwd: dir,
          env,
        });
        const result = await run(terraform!, ['validate', '-json', '-no-color'], { cwd: dir, env }).catch(
          (e: { stdout?: string }) => ({ stdout: e.stdout ?? '{}' }),
        );
        const report = JSON.parse(result.stdout) as {
          valid: boolean;
          diagnostics: { severity: string; summary: string; range?: { filename: string } }[];
        };
        expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(report.valid).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
