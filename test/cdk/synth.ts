/** Shared test helpers: resolve a config for a shape and synthesize the whole app once, with both nag packs. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildCoderPlatformApp, type BuildAppOptions, type CoderPlatformApp } from '../../assets/cdk/lib/app.js';
import { parseConfigText } from '../../src/config/load.js';
import type { CoderPlatformConfig, ProfileName } from '../../src/config/schema.js';
import type { StackKind } from '../../src/deployment/outputs.js';

export function configYaml(profile: ProfileName, extra = ''): string {
  return `apiVersion: coder-platform/v1\nprofile: ${profile}\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n${extra}`;
}

export function resolveConfig(profile: ProfileName, extra = ''): CoderPlatformConfig {
  return parseConfigText(configYaml(profile, extra), `${profile}.yaml`);
}

export interface Synthesized {
  config: CoderPlatformConfig;
  built: CoderPlatformApp;
  assembly: CloudAssembly;
  template(kind: StackKind | 'dr'): Template;
  json(kind: StackKind | 'dr'): {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;
    Outputs?: Record<string, unknown>;
  };
}

export function synthesize(config: CoderPlatformConfig, options: Omit<BuildAppOptions, 'outdir'> = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-test-'));
  const built = buildCoderPlatformApp(config, { ...options, outdir });
  const assembly = built.app.synth();
  const stackOf = (kind: StackKind | 'dr') => {
    const stack = kind === 'dr' ? built.drStack : built.stacks[kind];
    if (!stack) throw new Error(`no ${kind} stack`);
    return assembly.getStackArtifact(stack.artifactId);
  };
  return {
    config,
    built,
    assembly,
    template: (kind) => Template.fromJSON(stackOf(kind).template as Record<string, unknown>),
    json: (kind) => stackOf(kind).template as ReturnType<Synthesized['json']>,
  };
}

/** Violations recorded in the assembly's validation report (empty when there is none). */
export function reportViolations(outdir: string): { ruleName: string; severity?: string }[] {
  try {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports?: { violations?: { ruleName: string; severity?: string }[] }[];
    };
    return (report.pluginReports ?? []).flatMap((p) => p.violations ?? []);
  } catch {
    return [];
  }
}

/** Resources of one type, by logical id. */
export function resourcesOf(json: ReturnType<Synthesized['json']>, type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

export function refId(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Ref' in value) return String((value as { Ref: unknown }).Ref);
  return undefined;
}
