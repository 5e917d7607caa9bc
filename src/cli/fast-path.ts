/**
 * Start-up fast path for the everyday offline commands (status, config validate, config show): bin/run.js
 * tries it before loading oclif, whose import alone costs more than these commands. It parses exactly what
 * oclif would from the committed oclif.manifest.json (flags, their CODER_PLATFORM_* variables and defaults) and
 * runs the same bodies as the oclif commands (src/cli/everyday.ts). Anything it does not handle in exactly
 * oclif's way — --help, --json, an unknown or repeated flag, an argument, a failure — returns false, and
 * bin/run.js hands the whole command line to oclif, which then renders errors and help as always.
 */
import { readFileSync } from 'node:fs';
import { config as zodConfig } from 'zod';
import { EVERYDAY_ACTIONS, isNonInteractive } from './everyday.js';

export interface ManifestFlag {
  name: string;
  type: 'boolean' | 'option';
  char?: string;
  env?: string;
  default?: unknown;
  multiple?: boolean;
  options?: string[];
  allowNo?: boolean;
}
export interface Manifest {
  version?: string;
  commands: Record<string, { id: string; flags: Record<string, ManifestFlag>; args?: Record<string, unknown> }>;
}
export type ParsedFlags = Record<string, string | boolean | undefined>;

const isTruthy = (value: string) => ['1', 'true', 'y', 'yes'].includes(value.toLowerCase());

/** The command and the flag values oclif would parse, or undefined when this is oclif's to handle. */
export function parseEveryday(
  argv: string[],
  manifest: Manifest,
  env: NodeJS.ProcessEnv,
): { id: string; flags: ParsedFlags } | undefined {
  const words = [2, 1]
    .map((n) => argv.slice(0, n).join(':'))
    .find((id, i) => argv.length >= 2 - i && id in EVERYDAY_ACTIONS);
  const command = words === undefined ? undefined : manifest.commands[words];
  if (words === undefined || !command || Object.keys(command.args ?? {}).length > 0) return undefined;
  const defs = Object.values(command.flags);
  const flags: ParsedFlags = {};
  const rest = argv.slice(words.split(':').length);
  for (let i = 0; i < rest.length; i += 1) {
    const token = rest[i]!;
    const long = /^--([a-z][a-z0-9-]*)(?:=(.+))?$/.exec(token);
    const short = /^-([a-zA-Z])$/.exec(token);
    const def = long ? command.flags[long[1]!] : short ? defs.find((d) => d.char === short[1]) : undefined;
    if (!def || def.multiple || def.options || def.name === 'json' || def.name in flags) return undefined;
    const inline = long?.[2];
    if (def.type === 'boolean') {
      if (inline !== undefined) return undefined;
      flags[def.name] = true;
      continue;
    }
    const value = inline ?? rest[i + 1];
    if (value === undefined || value.startsWith('-')) return undefined;
    if (inline === undefined) i += 1;
    flags[def.name] = value;
  }
  for (const def of defs) {
    if (def.name in flags) continue;
    const fromEnv = def.env ? env[def.env] : undefined;
    if (fromEnv) flags[def.name] = def.type === 'boolean' ? isTruthy(fromEnv) : fromEnv;
    else if (typeof def.default === 'string' || typeof def.default === 'boolean') flags[def.name] = def.default;
  }
  return { id: words, flags };
}

/** --json, or its variables: the JSON output stays oclif's. */
function wantsJson(env: NodeJS.ProcessEnv): boolean {
  return /^(true|1)$/i.test(env.CODER_PLATFORM_JSON ?? '') || env.CODER_PLATFORM_CONTENT_TYPE?.toLowerCase() === 'json';
}

/** Runs an everyday command without oclif; false when nothing was done and oclif must run the command line. */
export async function runEveryday(argv: string[], root: URL, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (wantsJson(env)) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as Manifest;
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version?: string };
    if (manifest.version !== pkg.version) return false;
  } catch {
    return false;
  }
  const parsed = parseEveryday(argv, manifest, env);
  if (!parsed) return false;
  // One parse per process: zod's compiled (eval) object parsers cost more to generate than they save here.
  zodConfig({ jitless: true });
  const f = parsed.flags;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const globals = {
    configPath: str(f.config) ?? './coder-platform.yaml',
    awsProfile: str(f['aws-profile']),
    region: str(f.region),
    nonInteractive: isNonInteractive({ flag: f['non-interactive'] === true, json: false, env }),
    yes: f.yes === true,
    json: false,
    verbose: f.verbose === true,
    stateDir: str(f['state-dir']),
  };
  try {
    await EVERYDAY_ACTIONS[parsed.id]!(globals);
    return true;
  } catch {
    return false; // nothing was printed: oclif runs it again and renders the error as every command does
  }
}
