/**
 * `coder-platform plan`: synthesize the bundled CDK app in-process into the state directory (no credentials,
 * no network), count each stack's resources, estimate the monthly cost 24×7 and with the business-hours
 * schedule, write the architecture as a Mermaid diagram, and — only when asked and credentials work — diff
 * the synthesized stacks against the deployed ones.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { STSClient } from '@aws-sdk/client-sts';
import { awsCall } from '../../aws/clients.js';
import { deployedTemplate, describeStack } from '../../cdk/stack-state.js';
import {
  assemblyDirectory,
  toolkitLibAdapter,
  type AwsTarget,
  type CdkToolkit,
  type StackDiffSummary,
} from '../../cdk/toolkit.js';
import { endpointExposure } from '../../config/endpoint-access.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { EventHost } from '../../engine/host.js';
import { principalArnOf, withAccount } from '../day0/service.js';
import { estimateCost, type CostEstimate } from './cost.js';
import { architectureDiagram, diagramSummary } from './diagram.js';
import { livePrices, loadPriceTable, type PriceListClient } from './pricing.js';

/** toolkit-lib's synthesis-time message (io-bridge.ts TOOLKIT_CODES.synthTime). */
const SYNTH_TIME_CODE = 'CDK_TOOLKIT_I1000';
export interface PlanOptions {
  config: CoderPlatformConfig;
  /** The deployment's state directory; the assembly goes to `<stateDir>/cdk.out`, the diagram next to it. */
  stateDir: string;
  host: EventHost;
  /** `table`: the bundled price table; `live`: EC2 prices from the AWS Price List API, falling back to the table. @default 'table' */
  pricing?: 'table' | 'live';
  /** Diff against the deployed stacks (needs credentials). @default false */
  diff?: boolean;
  /** Credentials for `--pricing live` and the diff. */
  aws: AwsTarget;
  /** @default the toolkit-lib adapter */
  cdk?: CdkToolkit;
  /** Clients for the optional online parts; built from `aws` when omitted. */
  clients?: { pricing?: PriceListClient; sts?: STSClient; cloudFormation?: (region: string) => CloudFormationClient };
}

export interface PlanStack {
  name: string;
  region: string;
  resources: number;
  resourceTypes: Record<string, number>;
}

export interface PlanDiffStack extends Partial<StackDiffSummary> {
  stack: string;
  deployed: boolean;
}

export interface PlanNote {
  level: 'info' | 'warn';
  message: string;
}

/** What the plan says about the API endpoint and CloudTrail, from the config alone. */
export function planNotes(config: CoderPlatformConfig): PlanNote[] {
  const exposure = endpointExposure(config);
  const notes: PlanNote[] = [];
  if (exposure.kind === 'world') notes.push({ level: 'warn', message: `${exposure.summary}. ${exposure.advice}` });
  else if (exposure.kind === 'private')
    notes.push({ level: 'info', message: `${exposure.summary}: ${exposure.advice}` });
  else notes.push({ level: 'info', message: `${exposure.summary}: run day1 from there.` });
  notes.push(
    config.audit.cloudTrail === 'create'
      ? {
          level: 'info',
          message:
            'CloudTrail: a multi-Region trail of management events is created (KMS-encrypted, log file validation); preflight warns if an organization or multi-Region trail already covers the account.',
        }
      : {
          level: 'info',
          message:
            'CloudTrail: none is created (audit.cloudTrail: existing); preflight fails unless an organization or multi-Region trail is logging for the account.',
        },
  );
  return notes;
}

export interface PlanResult {
  deployment: string;
  profile: string;
  region: string;
  assemblyDirectory: string;
  stacks: PlanStack[];
  totalResources: number;
  /** `pricing`: the prices used (`live` only when the Price List API answered); `pricingRequested`: --pricing. */
  cost: CostEstimate & { pricing: 'table' | 'live'; pricingRequested: 'table' | 'live' };
  /** The Mermaid diagram file. */
  diagramPath: string;
  /** The diagram in a few lines. */
  diagramSummary: string[];
  /** Exposure and audit notes from the config (a world-open API endpoint is a warning). */
  notes: PlanNote[];
  /** Present when --diff was asked for. */
  diff?: { available: boolean; note?: string; stacks: PlanDiffStack[] };
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { config, host } = options;
  const cdk = options.cdk ?? toolkitLibAdapter;
  await mkdir(options.stateDir, { recursive: true });

  // The diff compares like with like only when the app is synthesized for the real account and principal.
  let identity: { account: string; principalArn: string } | undefined;
  let diffNote: string | undefined;
  if (options.diff) {
    try {
      const sts = options.clients?.sts ?? (await defaultClient('sts', options.aws));
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const caller = await awsCall('sts:GetCallerIdentity', () =>
        (sts as STSClient).send(new GetCallerIdentityCommand({})),
      );
      identity = { account: caller.Account ?? '', principalArn: principalArnOf(caller.Arn ?? '') };
    } catch (error) {
      diffNote = `No diff: AWS credentials do not work (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). The plan itself needs none.`;
      host.emit({ level: 'warn', code: 'PLAN_DIFF_UNAVAILABLE', message: diffNote });
    }
  }

  const assembly = await cdk.synthesize({
    config: identity ? withAccount(config, identity.account) : config,
    outdir: assemblyDirectory(options.stateDir),
    // The plan is the result; the toolkit's "Synthesis time" line is only for --verbose here.
    host: {
      emit: (e) => host.emit(e.code === SYNTH_TIME_CODE ? { ...e, level: 'debug' } : e),
      confirm: (r) => host.confirm(r),
    },
    ...(identity ? { adminPrincipalArn: identity.principalArn, aws: options.aws } : {}),
  });
  try {
    const stacks = assembly.stacks.map((s) => ({
      name: s.name,
      region: s.region,
      resources: s.resources,
      resourceTypes: s.resourceTypes,
    }));

    const pricing = options.pricing ?? 'table';
    const bundled = await loadPriceTable(config.aws.region, host);
    let table = bundled;
    if (pricing === 'live') {
      const types = Object.values(config.cluster.nodeGroups).map((g) => g.instanceTypes[0] ?? '');
      const client = options.clients?.pricing ?? ((await defaultClient('pricing', options.aws)) as PriceListClient);
      table = await livePrices(table, types.filter(Boolean), config.aws.region, client, host);
    }
    // `live` only when live prices were really used: a failed Price List call falls back to the bundled table.
    const cost = {
      ...estimateCost(config, table),
      pricing: table === bundled ? ('table' as const) : ('live' as const),
      pricingRequested: pricing,
    };

    const diagramPath = join(options.stateDir, 'architecture.mmd');
    await writeFile(diagramPath, architectureDiagram(config), 'utf8');

    const result: PlanResult = {
      deployment: config.deployment.name,
      profile: config.profile,
      region: config.aws.region,
      assemblyDirectory: assembly.directory,
      stacks,
      totalResources: stacks.reduce((sum, s) => sum + s.resources, 0),
      cost,
      diagramPath,
      diagramSummary: diagramSummary(config),
      notes: planNotes(config),
    };
    for (const note of result.notes)
      host.emit({
        level: note.level,
        code: note.level === 'warn' ? 'PLAN_EXPOSURE_WARNING' : 'PLAN_NOTE',
        message: note.message,
      });

    if (options.diff) {
      if (!identity) {
        result.diff = { available: false, note: diffNote ?? 'No diff: no credentials.', stacks: [] };
      } else {
        const diffStacks: PlanDiffStack[] = [];
        const deployedDir = join(options.stateDir, 'deployed');
        await mkdir(deployedDir, { recursive: true });
        for (const stack of assembly.stacks) {
          const cfn =
            options.clients?.cloudFormation?.(stack.region) ??
            ((await defaultClient('cloudformation', { ...options.aws, region: stack.region })) as CloudFormationClient);
          if (!(await describeStack(cfn, stack.name))) {
            diffStacks.push({ stack: stack.name, deployed: false });
            continue;
          }
          const file = join(deployedDir, `${stack.name}.template.json`);
          await writeFile(file, JSON.stringify(await deployedTemplate(cfn, stack.name)), 'utf8');
          diffStacks.push({ ...(await assembly.diffStack(stack.name, file, { host })), deployed: true });
        }
        result.diff = { available: true, stacks: diffStacks };
      }
    }
    return result;
  } finally {
    await assembly.dispose();
  }
}

async function defaultClient(kind: 'sts' | 'pricing' | 'cloudformation', aws: AwsTarget): Promise<unknown> {
  const { createAwsClient } = await import('../../aws/clients.js');
  if (kind === 'sts') return createAwsClient((await import('@aws-sdk/client-sts')).STSClient, aws);
  // The Price List API is served from us-east-1 (and a few others) whatever the deployment region.
  if (kind === 'pricing')
    return createAwsClient((await import('@aws-sdk/client-pricing')).PricingClient, { ...aws, region: 'us-east-1' });
  return createAwsClient((await import('@aws-sdk/client-cloudformation')).CloudFormationClient, aws);
}
