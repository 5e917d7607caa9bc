/**
 * Where a deployment keeps its journal, lock and reports: `.coder-platform/<deployment>/` relative to the
 * working directory, or `--state-dir` / CODER_PLATFORM_STATE_DIR when given.
 *
 * A state directory belongs to one configuration: `owner.json` records the configuration file (resolved),
 * the region and, when known, the account it serves. A second configuration with the same deployment name
 * (so the same default directory) is refused before anything is written, instead of overwriting the first
 * one's journal, `cdk.out` and diagram. A directory from before this record is adopted by the first
 * configuration that uses it; a record whose file no longer exists (the project moved) is taken over.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';

/** The state directory of one deployment, as an absolute path. */
export function stateDirFor(override: string | undefined, deployment: string): string {
  if (override !== undefined && override.trim() !== '') return resolve(override);
  return resolve('.coder-platform', deployment);
}

export const OWNER_FILE = 'owner.json';

/** What `owner.json` holds. */
export interface StateDirOwner {
  /** The configuration file, as an absolute path. */
  configPath: string;
  deployment: string;
  region: string;
  /** The AWS account, once known (aws.accountId, or the identity a run saw). */
  accountId?: string;
}

export interface ClaimOptions {
  stateDir: string;
  /** The configuration file the command read (resolved here). */
  configPath: string;
  deployment: string;
  region: string;
  accountId?: string | undefined;
  /** Write (or complete) the record. Off for read-only commands and dry runs: they only check. */
  write: boolean;
}

export async function readOwner(stateDir: string): Promise<StateDirOwner | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, OWNER_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StateDirOwner>;
    if (typeof parsed.configPath !== 'string' || typeof parsed.region !== 'string') return undefined;
    return parsed as StateDirOwner;
  } catch {
    return undefined;
  }
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** Why `owner` does not serve this configuration, or undefined when it does (or may be taken over). */
function conflict(owner: StateDirOwner, o: ClaimOptions, configPath: string): string | undefined {
  if (owner.configPath !== configPath && existsSync(owner.configPath)) {
    return `belongs to ${display(owner.configPath)} (deployment "${owner.deployment}")`;
  }
  if (owner.region !== o.region)
    return `serves region ${owner.region}, but ${display(configPath)} now deploys to ${o.region}`;
  if (owner.accountId !== undefined && o.accountId !== undefined && owner.accountId !== o.accountId) {
    return `serves account ${owner.accountId}, but this run is for account ${o.accountId}`;
  }
  return undefined;
}

/**
 * Check that the state directory serves this configuration, and record it (with `write`). Throws a
 * UserError (exit 2) naming the owner and what to do when it serves another one. Returns the record.
 */
export async function claimStateDir(o: ClaimOptions): Promise<StateDirOwner> {
  const configPath = resolve(o.configPath);
  const owner = await readOwner(o.stateDir);
  if (owner !== undefined) {
    const why = conflict(owner, o, configPath);
    if (why !== undefined) {
      throw new UserError(
        `The state directory ${display(o.stateDir)} ${why}; ` +
          "using it would mix two deployments' journals and synthesized stacks.",
        {
          nextSteps: [
            `Give this configuration its own deployment name (deployment.name in ${display(configPath)}), or`,
            'pass --state-dir DIR (or CODER_PLATFORM_STATE_DIR) to keep its state elsewhere, ' +
              `e.g. --state-dir .coder-platform/${o.deployment}-2.`,
          ],
        },
      );
    }
  }
  const next: StateDirOwner = { configPath, deployment: o.deployment, region: o.region };
  const accountId = o.accountId ?? owner?.accountId;
  if (accountId !== undefined) next.accountId = accountId;
  const unchanged = owner !== undefined && JSON.stringify(owner) === JSON.stringify(next);
  if (o.write && !unchanged) {
    await mkdir(o.stateDir, { recursive: true });
    const file = join(o.stateDir, OWNER_FILE);
    await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }
  return next;
}

/**
 * The state directory a command uses for a loaded configuration: stateDirFor, checked (and, with `write`,
 * recorded) by claimStateDir. The one way commands pick it.
 */
export async function openStateDir(o: {
  override: string | undefined;
  configPath: string;
  config: { deployment: { name: string }; aws: { region: string; accountId?: string | undefined } };
  write: boolean;
}): Promise<string> {
  const stateDir = stateDirFor(o.override, o.config.deployment.name);
  await claimStateDir({
    stateDir,
    configPath: o.configPath,
    deployment: o.config.deployment.name,
    region: o.config.aws.region,
    accountId: o.config.aws.accountId,
    write: o.write,
  });
  return stateDir;
}
