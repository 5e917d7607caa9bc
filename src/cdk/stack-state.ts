/**
 * What CloudFormation says about one of our stacks: its status, whether the deployed template is the one we
 * synthesized, the first resource that failed and why, and deleting a failed stack. Real SDK v3 calls;
 * command classes are imported lazily.
 */
import type { CloudFormationClient, Stack, StackEvent } from '@aws-sdk/client-cloudformation';
import { awsCall } from '../aws/clients.js';
import { CancelledError, ExternalError } from '../errors.js';

export const COMPLETE_STATUSES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** A stack in one of these states cannot be updated; it is deleted (with approval) and created again. */
export const DELETE_AND_RETRY_STATUSES = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'CREATE_FAILED',
  'DELETE_FAILED',
]);
/** An update whose rollback failed: CloudFormation must continue the rollback before anything else. */
export const CONTINUE_ROLLBACK_STATUSES = new Set(['UPDATE_ROLLBACK_FAILED']);

export interface FailedResource {
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string;
  time?: string;
}

/** The stack, or undefined when it does not exist (or is fully deleted). */
export async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const result = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) return undefined;
    return awsCall('cloudformation:DescribeStacks', () => Promise.reject(error), stackName);
  }
}

/** Stack outputs as a record. */
export function stackOutputs(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    (stack.Outputs ?? [])
      .filter((o) => o.OutputKey && o.OutputValue !== undefined)
      .map((o) => [o.OutputKey as string, o.OutputValue as string]),
  );
}

/** True when the deployed (original, untransformed) template equals the synthesized one. */
export async function deployedTemplateMatches(
  cfn: CloudFormationClient,
  stackName: string,
  template: unknown,
): Promise<boolean> {
  const deployed = await deployedTemplate(cfn, stackName);
  return deployed !== undefined && canonicalJson(deployed) === canonicalJson(template);
}

/** The deployed template body, parsed (CDK deploys JSON). */
export async function deployedTemplate(cfn: CloudFormationClient, stackName: string): Promise<unknown> {
  const { GetTemplateCommand } = await import('@aws-sdk/client-cloudformation');
  const result = await awsCall(
    'cloudformation:GetTemplate',
    () => cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' })),
    stackName,
  );
  if (!result.TemplateBody) return undefined;
  try {
    return JSON.parse(result.TemplateBody) as unknown;
  } catch {
    return undefined; // a YAML template was not deployed by us
  }
}

/** JSON with object keys sorted, so equal templates compare equal regardless of key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * The first resource that failed in the stack's latest operation (the root cause; later failures are
 * usually "Resource creation cancelled" consequences).
 */
export async function firstFailedResource(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<FailedResource | undefined> {
  const { DescribeStackEventsCommand } = await import('@aws-sdk/client-cloudformation');
  const events: StackEvent[] = [];
  let nextToken: string | undefined;
  // Events come newest first; read back until the start of the latest operation (or 10 pages).
  for (let page = 0; page < 10; page += 1) {
    const result = await awsCall(
      'cloudformation:DescribeStackEvents',
      () =>
        cfn.send(
          new DescribeStackEventsCommand({ StackName: stackName, ...(nextToken ? { NextToken: nextToken } : {}) }),
        ),
      stackName,
    );
    events.push(...(result.StackEvents ?? []));
    if (events.some(isOperationStart) || !result.NextToken) break;
    nextToken = result.NextToken;
  }
  const startIndex = events.findIndex(isOperationStart);
  const operation = (startIndex === -1 ? events : events.slice(0, startIndex + 1)).reverse(); // oldest first
  const failures = operation.filter(
    (e) => (e.ResourceStatus ?? '').endsWith('_FAILED') && e.LogicalResourceId !== e.StackName,
  );
  const root = failures.find((e) => !/cancelled/i.test(e.ResourceStatusReason ?? '')) ?? failures[0];
  if (!root) return undefined;
  return {
    logicalId: root.LogicalResourceId ?? 'unknown',
    resourceType: root.ResourceType ?? 'unknown',
    status: root.ResourceStatus ?? 'unknown',
    reason: root.ResourceStatusReason ?? 'no reason given',
    ...(root.Timestamp ? { time: root.Timestamp.toISOString() } : {}),
  };
}

function isOperationStart(event: StackEvent): boolean {
  return (
    event.LogicalResourceId === event.StackName &&
    event.ResourceType === 'AWS::CloudFormation::Stack' &&
    /^(CREATE|UPDATE|DELETE|IMPORT)_IN_PROGRESS$/.test(event.ResourceStatus ?? '') &&
    (event.ResourceStatusReason ?? '').includes('User Initiated')
  );
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** @default 5000 */
  pollMs?: number;
  /** @default 3600000 (1 h) */
  timeoutMs?: number;
}

/** Delete a stack and wait until it is gone. */
export async function deleteStackAndWait(
  cfn: CloudFormationClient,
  stackName: string,
  options: WaitOptions = {},
): Promise<void> {
  const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
  await awsCall(
    'cloudformation:DeleteStack',
    () => cfn.send(new DeleteStackCommand({ StackName: stackName })),
    stackName,
  );
  await waitFor(cfn, stackName, options, (stack) => {
    if (!stack) return true;
    if (stack.StackStatus === 'DELETE_FAILED')
      throw new ExternalError(
        'aws',
        'cloudformation:DeleteStack',
        `${stackName} could not be deleted (DELETE_FAILED)`,
        { resource: stackName, nextSteps: ['See the first failed resource above, remove what blocks it, and re-run.'] },
      );
    return false;
  });
}

/** Continue a failed update rollback and wait for UPDATE_ROLLBACK_COMPLETE. */
export async function continueRollbackAndWait(
  cfn: CloudFormationClient,
  stackName: string,
  options: WaitOptions = {},
): Promise<void> {
  const { ContinueUpdateRollbackCommand } = await import('@aws-sdk/client-cloudformation');
  await awsCall(
    'cloudformation:ContinueUpdateRollback',
    () => cfn.send(new ContinueUpdateRollbackCommand({ StackName: stackName })),
    stackName,
  );
  await waitFor(cfn, stackName, options, (stack) => {
    if (stack?.StackStatus === 'UPDATE_ROLLBACK_COMPLETE') return true;
    if (!stack || stack.StackStatus === 'UPDATE_ROLLBACK_FAILED') {
      throw new ExternalError(
        'aws',
        'cloudformation:ContinueUpdateRollback',
        `${stackName} is ${stack?.StackStatus ?? 'gone'}`,
        {
          resource: stackName,
          nextSteps: ['Open the stack in the CloudFormation console and skip the resources that cannot roll back.'],
        },
      );
    }
    return false;
  });
}

/** Wait while CloudFormation is busy with the stack (a run that was stopped mid-deploy leaves it working). */
export async function waitWhileInProgress(
  cfn: CloudFormationClient,
  stackName: string,
  options: WaitOptions = {},
): Promise<Stack | undefined> {
  let last: Stack | undefined;
  await waitFor(cfn, stackName, options, (stack) => {
    last = stack;
    return !stack || !(stack.StackStatus ?? '').endsWith('_IN_PROGRESS');
  });
  return last;
}

async function waitFor(
  cfn: CloudFormationClient,
  stackName: string,
  options: WaitOptions,
  done: (stack: Stack | undefined) => boolean,
): Promise<void> {
  const pollMs = options.pollMs ?? 5000;
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  for (;;) {
    if (options.signal?.aborted)
      throw new CancelledError(
        `Stopped waiting for ${stackName}; CloudFormation carries on. Re-run the command to resume.`,
      );
    if (done(await describeStack(cfn, stackName))) return;
    if (Date.now() > deadline)
      throw new ExternalError('aws', 'cloudformation:DescribeStacks', `timed out waiting for ${stackName}`, {
        resource: stackName,
        nextSteps: ['Re-run the command to resume waiting.'],
      });
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
