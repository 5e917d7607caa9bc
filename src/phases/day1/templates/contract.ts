/**
 * The template capability contract (seed-facts §9, check 11c.10): a toolchain's required capabilities
 * must be supported by the platform of its base, capability names and values must come from the
 * vocabulary, constraints must hold and overrides must stay inside what the contract allows. All
 * problems are collected and reported together, before anything is pushed.
 */
import { UserError } from '../../../errors.js';
import type { Base, Contract, Pairing, TemplateAssets, Toolchain } from './assets.js';

export type CapabilityValues = Record<string, string>;

/** Capabilities a platform supports (unknown platform → none). */
export function supportedCapabilities(contract: Contract, platform: string): string[] {
  return contract.platforms[platform] ?? [];
}

/** `required(toolchain) − supported(platform of base)`. */
export function missingCapabilities(contract: Contract, toolchain: Toolchain, base: Base): string[] {
  const supported = new Set(supportedCapabilities(contract, base.platform));
  return toolchain.requires.filter((c) => !supported.has(c));
}

/** Every problem of a pairing; empty when it can be composed. */
export function pairingProblems(
  assets: Pick<TemplateAssets, 'contract' | 'toolchains' | 'bases'>,
  pairing: Pairing,
): string[] {
  const { contract } = assets;
  const problems: string[] = [];
  const toolchain = assets.toolchains[pairing.toolchain];
  const base = assets.bases[pairing.base];
  if (!toolchain)
    problems.push(`unknown toolchain "${pairing.toolchain}" (known: ${Object.keys(assets.toolchains).join(', ')})`);
  if (!base) problems.push(`unknown base "${pairing.base}" (known: ${Object.keys(assets.bases).join(', ')})`);
  else if (!contract.platforms[base.platform])
    problems.push(`base ${base.name} names an unknown platform "${base.platform}"`);

  const known = new Set(Object.keys(contract.capabilities));
  const unknown = (names: string[], where: string): void => {
    for (const name of names) if (!known.has(name)) problems.push(`${where} names an unknown capability "${name}"`);
  };
  if (toolchain) {
    unknown(toolchain.requires, `toolchain ${toolchain.name} (requires)`);
    unknown(toolchain.optional, `toolchain ${toolchain.name} (optional)`);
    for (const item of toolchain.installs) {
      if (item.when !== undefined && ![...toolchain.requires, ...toolchain.optional].includes(item.when)) {
        problems.push(
          `toolchain ${toolchain.name}: installs entry "${item.name}" depends on ${item.when}, which the toolchain neither requires nor lists as optional`,
        );
      }
    }
  }
  unknown(Object.keys(pairing.capabilities), `pairing ${pairing.name}`);

  if (toolchain && base && contract.platforms[base.platform]) {
    const missing = missingCapabilities(contract, toolchain, base).filter((c) => known.has(c));
    if (missing.length > 0) {
      problems.push(
        `toolchain ${toolchain.name} requires ${missing.join(', ')}, which base ${base.name} (platform ${base.platform}) does not support`,
      );
    }
    const supported = new Set(supportedCapabilities(contract, base.platform));
    for (const [name, value] of Object.entries(pairing.capabilities)) {
      const def = contract.capabilities[name];
      if (!def) continue;
      const enabled = def.type === 'bool' ? value === true : true;
      if (enabled && !supported.has(name))
        problems.push(
          `pairing ${pairing.name} turns on ${name}, which base ${base.name} (platform ${base.platform}) does not support`,
        );
    }
  }

  const values = resolveCapabilities(contract, pairing.capabilities, problems, `pairing ${pairing.name}`);
  problems.push(...constraintProblems(contract, values).map((p) => `pairing ${pairing.name}: ${p}`));
  // A pod's agent reaches coderd through the access URL (HTTPS to the internet-facing NLB, outside the VPC);
  // the workspace NetworkPolicy of network-egress none would leave it nothing to connect to.
  if (base?.platform === 'kubernetes' && values['network-egress'] === 'none') {
    problems.push(
      `pairing ${pairing.name}: network-egress none leaves the workspace agent no way to coderd's access URL (HTTPS through the load balancer); a pod template needs https-only or unrestricted`,
    );
  }
  problems.push(...overrideProblems(contract, pairing));
  return problems;
}

/** Vocabulary values with defaults filled in, as strings (Terraform map(string)). */
export function resolveCapabilities(
  contract: Contract,
  given: Record<string, boolean | string>,
  problems: string[] = [],
  where = 'capabilities',
): CapabilityValues {
  const out: CapabilityValues = {};
  for (const [name, def] of Object.entries(contract.capabilities)) {
    const value = given[name];
    if (value === undefined) {
      out[name] = String(def.default);
      continue;
    }
    if (def.type === 'bool') {
      if (typeof value !== 'boolean')
        problems.push(`${where}: ${name} must be true or false, got ${JSON.stringify(value)}`);
      out[name] = String(value);
    } else {
      if (typeof value !== 'string' || !def.values.includes(value))
        problems.push(`${where}: ${name} must be one of ${def.values.join(', ')}, got ${JSON.stringify(value)}`);
      out[name] = String(value);
    }
  }
  return out;
}

export function constraintProblems(contract: Contract, values: CapabilityValues): string[] {
  const problems: string[] = [];
  for (const constraint of contract.constraints) {
    if (constraint.kind === 'mutually-exclusive') {
      const on = constraint.capabilities.filter((c) => values[c] === 'true');
      if (on.length > 1) problems.push(`${on.join(' and ')} are mutually exclusive`);
    } else if (values[constraint.when.capability] === String(constraint.when.equals)) {
      const actual = values[constraint.then.capability];
      if (actual === undefined || !constraint.then.in.includes(actual)) {
        problems.push(
          `${constraint.when.capability}=${String(constraint.when.equals)} requires ${constraint.then.capability} to be one of ${constraint.then.in.join(', ')} (is ${actual ?? 'unset'})`,
        );
      }
    }
  }
  return problems;
}

function overrideProblems(contract: Contract, pairing: Pairing): string[] {
  const problems: string[] = [];
  for (const [area, entries] of Object.entries(pairing.overrides)) {
    if (contract.overrides.denied.includes(area) || !contract.overrides.allowed.includes(area)) {
      problems.push(
        `pairing ${pairing.name}: overriding ${area} is not allowed (allowed: ${contract.overrides.allowed.join(', ')})`,
      );
      continue;
    }
    if (area === 'env') {
      for (const key of Object.keys(entries)) {
        const prefix = contract.overrides.blockedEnvPrefixes.find((p) => key.startsWith(p));
        if (prefix)
          problems.push(`pairing ${pairing.name}: environment variable ${key} uses the blocked prefix ${prefix}`);
      }
    }
    if (area === 'labels' || area === 'annotations') {
      for (const key of Object.keys(entries)) {
        const prefix = contract.overrides.blockedLabelPrefixes.find((p) => key.startsWith(p));
        if (prefix) problems.push(`pairing ${pairing.name}: ${area} key ${key} uses the blocked prefix ${prefix}`);
      }
    }
  }
  return problems;
}

/** Throws one UserError naming every problem of the given pairings. */
export function assertPairings(assets: TemplateAssets, names: readonly string[]): void {
  const problems: string[] = [];
  for (const name of names) {
    const pairing = assets.pairings[name];
    if (!pairing) problems.push(`unknown template "${name}" (known: ${Object.keys(assets.pairings).join(', ')})`);
    else problems.push(...pairingProblems(assets, pairing));
  }
  if (problems.length > 0) {
    throw new UserError(
      `The template contract check failed; nothing was pushed:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        nextSteps: [
          'Pair the toolchain with a base whose platform supports its required capabilities (assets/templates/contract/capabilities.yaml).',
        ],
      },
    );
  }
}
