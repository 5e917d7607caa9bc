/**
 * Composition (two-layer model): final template = root module + toolchain module (./toolchain) + base
 * module (./base, its own files plus the shared ones its manifest lists) + the base's root provider configuration + `composition.tf.json` (capabilities,
 * compute profiles, overrides, base settings, provenance). Deterministic: the same assets and config
 * always give the same archive, hash and version name (no timestamps inside).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { NAMESPACES } from '../../../config/profiles.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import { ConfigError } from '../../../errors.js';
import type { Base, ComputeProfile, Pairing, TemplateAssets } from './assets.js';
import { computeProfileSchema } from './assets.js';
import { assertPairings, resolveCapabilities, type CapabilityValues } from './contract.js';
import { deterministicTar, sha256, type ArchiveFile } from './tar.js';

export type ComposeConfig = Pick<CoderPlatformConfig, 'deployment' | 'aws' | 'workspaces' | 'cluster' | 'network'>;

export interface ComposedTemplate {
  name: string;
  displayName: string;
  description: string;
  toolchain: { name: string; version: string };
  base: { name: string; version: string; platform: string };
  capabilities: CapabilityValues;
  profiles: Record<string, ComputeProfile>;
  defaultProfile: string;
  /** Group name → role on the template. */
  acl: Record<string, 'use' | 'admin'>;
  files: ArchiveFile[];
  archive: Buffer;
  /** sha256 of the archive. */
  contentHash: string;
  /** `<toolchain version>-<sha8>`: a re-push of the same content finds this name and creates nothing. */
  versionName: string;
}

const GPU_TYPES: Record<string, ComputeProfile['gpu_type']> = {
  g4dn: 'nvidia-t4',
  g5: 'a10g',
  p3: 'v100',
  p4d: 'a100',
};
const GPU_COUNTS: Record<string, number> = {
  'p3.8xlarge': 4,
  'p3.16xlarge': 8,
  'p3dn.24xlarge': 8,
  'p4d.24xlarge': 8,
  'g4dn.12xlarge': 4,
  'g4dn.metal': 8,
  'g5.12xlarge': 4,
  'g5.24xlarge': 4,
  'g5.48xlarge': 8,
};

/** The ranges EKS assigns Service ClusterIPs from when the cluster sets no serviceIpv4Cidr (the cluster stack sets none). */
export const EKS_SERVICE_CIDRS = ['10.100.0.0/16', '172.20.0.0/16'] as const;

function quantityFromGiB(gib: number): string {
  return Number.isInteger(gib) ? `${gib}Gi` : `${Math.round(gib * 1024)}Mi`;
}

/** Compute profiles of a template: the config's workspace sizes for it, or the pairing's own when none. */
export function computeProfiles(
  config: ComposeConfig,
  pairing: Pairing,
  platform: string,
): Record<string, ComputeProfile> {
  const sizes = Object.entries(config.workspaces.sizes)
    .filter(([, size]) => size.template === pairing.name)
    .sort(([a], [b]) => a.localeCompare(b));
  if (sizes.length === 0) return pairing.profiles;
  const issues: { path: string; message: string }[] = [];
  const profiles: Record<string, ComputeProfile> = {};
  for (const [name, size] of sizes) {
    const family = size.instanceType?.split('.')[0] ?? '';
    const gpuType = platform === 'ec2-gpu' ? (GPU_TYPES[family] ?? '') : '';
    const candidate = {
      cpu: size.cpu,
      memory: quantityFromGiB(size.memoryGiB),
      storage: `${size.storageGiB}Gi`,
      gpu_count: gpuType === '' ? 0 : (GPU_COUNTS[size.instanceType ?? ''] ?? 1),
      gpu_type: gpuType,
      instance_type: size.instanceType ?? '',
    };
    if (platform.startsWith('ec2') && candidate.instance_type === '') {
      issues.push({
        path: `workspaces.sizes.${name}.instanceType`,
        message: `template ${pairing.name} runs on EC2 and needs an instance type for this size`,
      });
    }
    if (platform === 'ec2-gpu' && gpuType === '') {
      issues.push({
        path: `workspaces.sizes.${name}.instanceType`,
        message: `template ${pairing.name} needs a GPU instance type (g4dn, g5, p3, p4d), got ${size.instanceType ?? 'none'}`,
      });
    }
    const parsed = computeProfileSchema.safeParse(candidate);
    if (!parsed.success)
      issues.push(
        ...parsed.error.issues.map((i) => ({
          path: `workspaces.sizes.${name}`,
          message: `compute profile ${i.path.join('.')}: ${i.message}`,
        })),
      );
    else profiles[name] = parsed.data;
  }
  if (issues.length > 0) throw new ConfigError(undefined, issues);
  return profiles;
}

/** The subnet tier of the workspace node groups (EC2 workspaces live beside them). */
export function workspaceSubnetTier(config: Pick<CoderPlatformConfig, 'cluster'>): string {
  const group = Object.keys(config.cluster.nodeGroups)
    .sort()
    .map((name) => config.cluster.nodeGroups[name]!)
    .find((g) => g.role === 'workspace');
  return group?.subnetTier ?? 'workspace';
}

async function moduleFiles(dir: string, prefix: string): Promise<ArchiveFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: ArchiveFile[] = [];
  for (const entry of entries) {
    // Hidden files, state and tfvars never go into a template archive (coder-api.md §5 "Archive").
    if (
      !entry.isFile() ||
      entry.name.startsWith('.') ||
      entry.name.includes('.tfstate') ||
      /\.tfvars(\.json)?$/.test(entry.name)
    )
      continue;
    files.push({ path: `${prefix}${entry.name}`, content: await readFile(path.join(dir, entry.name), 'utf8') });
  }
  return files;
}

/**
 * The complete base module as it lands in base/ of a template: the base's own module files plus the
 * shared files its manifest lists (kept once under assets/templates/shared), sorted by path.
 */
export async function baseModuleFiles(assets: Pick<TemplateAssets, 'root'>, base: Base): Promise<ArchiveFile[]> {
  const own = await moduleFiles(path.join(assets.root, 'bases', base.name, 'module'), 'base/');
  const files = [...own];
  for (const shared of base.sharedModule) {
    const target = `base/${path.posix.basename(shared)}`;
    if (files.some((f) => f.path === target)) {
      throw new ConfigError(path.join(assets.root, 'bases', base.name, 'base.yaml'), [
        {
          path: 'sharedModule',
          message: `${shared} would overwrite ${target}; shared and own module files need distinct names`,
        },
      ]);
    }
    files.push({ path: target, content: await readFile(path.join(assets.root, shared), 'utf8') });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The Terraform files of a pairing as they land in its archive: root main.tf, the base's providers.tf,
 * toolchain/*.tf and base/*.tf (Day 1 derives the provisioner's workspace RBAC from these).
 */
export async function pairingTerraformFiles(assets: TemplateAssets, pairing: Pairing): Promise<ArchiveFile[]> {
  const base = assets.bases[pairing.base];
  if (!base)
    throw new ConfigError(undefined, [
      { path: `pairings.${pairing.name}.base`, message: `unknown base "${pairing.base}"` },
    ]);
  return [
    { path: 'main.tf', content: await readFile(path.join(assets.root, 'root', 'main.tf'), 'utf8') },
    {
      path: 'providers.tf',
      content: await readFile(
        path.join(assets.root, base.providers ?? path.join('bases', base.name, 'providers.tf')),
        'utf8',
      ),
    },
    ...(await moduleFiles(path.join(assets.root, 'toolchains', pairing.toolchain, 'module'), 'toolchain/')),
    ...(await baseModuleFiles(assets, base)),
  ];
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Compose one template; the capability contract is checked first (UserError naming what is missing). */
export async function composeTemplate(
  assets: TemplateAssets,
  config: ComposeConfig,
  name: string,
): Promise<ComposedTemplate> {
  assertPairings(assets, [name]);
  const pairing = assets.pairings[name]!;
  const toolchain = assets.toolchains[pairing.toolchain]!;
  const base = assets.bases[pairing.base]!;
  const capabilities = resolveCapabilities(assets.contract, pairing.capabilities);
  const profiles = computeProfiles(config, pairing, base.platform);
  const profileNames = Object.keys(profiles);
  const largestShare = Object.entries(config.workspaces.sizes)
    .filter(([n, s]) => s.template === name && profiles[n])
    .sort(([a, x], [b, y]) => y.share - x.share || a.localeCompare(b))[0]?.[0];
  const defaultProfile = profiles[pairing.defaultProfile]
    ? pairing.defaultProfile
    : (largestShare ?? profileNames.sort()[0] ?? '');

  const settings: Record<string, string> =
    base.platform === 'kubernetes'
      ? {
          namespace: NAMESPACES.workspaces,
          storage_class: '',
          cpu_request_ratio: String(config.workspaces.requestsToLimits.cpu),
          memory_request_ratio: String(config.workspaces.requestsToLimits.memory),
          default_image: pairing.image,
          kasmvnc_image: 'kasmweb/core-ubuntu-jammy:1.16.0',
          // the workspace NetworkPolicy never lets a pod reach these: the VPC and both ranges EKS may take Service
          // ClusterIPs from when the cluster does not name one (10.100.0.0/16, 172.20.0.0/16)
          internal_cidrs: [config.network.vpcCidr, ...EKS_SERVICE_CIDRS].join(','),
        }
      : { region: config.aws.region, deployment: config.deployment.name, subnet_tier: workspaceSubnetTier(config) };

  const composition = {
    locals: {
      composition: {
        template: pairing.name,
        contract: assets.contract.contract,
        toolchain: { name: toolchain.name, version: toolchain.version, source: toolchain.source },
        base: {
          name: base.name,
          version: base.version,
          source: base.source,
          platform: base.platform,
          os: base.platform === 'ec2-windows' ? 'windows' : 'linux',
          arch: 'amd64',
        },
        capabilities,
        profiles,
        default_profile: defaultProfile,
        default_image: pairing.image,
        env: pairing.overrides.env ?? {},
        labels: pairing.overrides.labels ?? {},
        settings,
        provenance: {
          composed_by: 'coder-platform',
          compute_profiles: profileNames,
          capabilities,
          validation_passed: true,
        },
      },
    },
  };

  const [main, providers, ...modules] = await pairingTerraformFiles(assets, pairing);
  const files: ArchiveFile[] = [
    main!,
    providers!,
    { path: 'composition.tf.json', content: `${JSON.stringify(sortKeys(composition), null, 2)}\n` },
    { path: 'README.md', content: readme(pairing, toolchain.version, base.version, profiles, capabilities) },
    ...modules,
  ];
  const archive = await deterministicTar(files);
  const contentHash = sha256(archive);
  return {
    name: pairing.name,
    displayName: pairing.displayName,
    description: pairing.description,
    toolchain: { name: toolchain.name, version: toolchain.version },
    base: { name: base.name, version: base.version, platform: base.platform },
    capabilities,
    profiles,
    defaultProfile,
    acl: pairing.acl,
    files,
    archive,
    contentHash,
    versionName: `${toolchain.version}-${contentHash.slice(0, 8)}`,
  };
}

function readme(
  pairing: Pairing,
  toolchainVersion: string,
  baseVersion: string,
  profiles: Record<string, ComputeProfile>,
  capabilities: CapabilityValues,
): string {
  const rows = Object.entries(profiles).map(
    ([n, p]) => `| ${n} | ${p.cpu} | ${p.memory} | ${p.storage} | ${p.instance_type || '-'} |`,
  );
  const caps = Object.entries(capabilities).map(([k, v]) => `- ${k}: ${v}`);
  return [
    `# ${pairing.displayName}`,
    '',
    pairing.description,
    '',
    `Toolchain ${pairing.toolchain} ${toolchainVersion} on ${pairing.base} ${baseVersion}. Composed by coder-platform; do not edit in Coder.`,
    '',
    '| Profile | vCPU | Memory | Storage | Instance |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Capabilities:',
    ...caps,
    '',
  ].join('\n');
}
