/** Test doubles for Day 0: a toolkit adapter whose stacks take known times, and configs of both profiles. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { STSClient } from '@aws-sdk/client-sts';
import { parseConfigText } from '../../src/config/load.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { ToolkitIoBridge, type ToolkitIoRequest } from '../../src/cdk/io-bridge.js';
import type {
  CdkAssembly,
  CdkToolkit,
  DeployedStack,
  SynthesizeOptions,
  SynthesizedStack,
} from '../../src/cdk/toolkit.js';
import { stackNames } from '../../src/deployment/outputs.js';
import type { ConfirmRequest, EventHost, PlatformEvent } from '../../src/engine/host.js';
import { CancelledError } from '../../src/errors.js';
import type { Day0CommonServices } from '../../src/phases/day0/services.js';

export function testConfig(profile: 'mvp-500' | 'scale-3000', extra = ''): CoderPlatformConfig {
  return parseConfigText(
    `profile: ${profile}\ndeployment: {name: acme, environment: production}\ndns: {domain: example.com}\ncoder: {admin: {email: admin@example.com}}\n${extra}`,
    'test.yaml',
  );
}

/** What deploy and destroy share: the config, the state directory, the toolkit and real (mocked) SDK clients in us-east-1. */
export function commonServices(config: CoderPlatformConfig, stateDir: string, toolkit: CdkToolkit): Day0CommonServices {
  return {
    config,
    stateDir,
    cdk: toolkit,
    aws: { region: 'us-east-1' },
    cloudFormation: (region) => new CloudFormationClient({ region }),
    sts: new STSClient({ region: 'us-east-1' }),
  };
}

export interface ActionRecord {
  action: 'deploy' | 'destroy';
  stack: string;
  start: number;
  end: number;
}

/**
 * Stands in for toolkit-lib: every stack takes `durations[stack]` ms. When `securityChange` names a stack,
 * deploying it asks for approval through the real IoHost bridge exactly as toolkit-lib does (a
 * CDK_TOOLKIT_I5060 request with a broadening permission change) and aborts when refused.
 */
export class FakeToolkit implements CdkToolkit {
  readonly actions: ActionRecord[] = [];
  synthCalls: SynthesizeOptions[] = [];
  constructor(
    private readonly options: {
      durations?: Record<string, number>;
      securityChange?: string[];
      outputs?: Record<string, Record<string, string>>;
    } = {},
  ) {}

  async synthesize(options: SynthesizeOptions): Promise<CdkAssembly> {
    this.synthCalls.push(options);
    const names = Object.values(stackNames(options.config.deployment.name));
    const stacks: SynthesizedStack[] = names.map((name) => ({
      name,
      hierarchicalId: name,
      region: options.config.aws.region,
      resources: 1,
      resourceTypes: { 'AWS::SNS::Topic': 1 },
      template: { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } },
      templatePath: `/nowhere/${name}.template.json`,
      dependencies: [],
    }));
    const { actions } = this;
    const { durations, securityChange, outputs } = this.options;
    const sleep = (name: string) => new Promise((r) => setTimeout(r, durations?.[name] ?? 1));
    return {
      directory: options.outdir,
      stacks,
      stack: (name) => stacks.find((s) => s.name === name) as SynthesizedStack,
      async deployStack(name, { host }): Promise<DeployedStack> {
        const start = Date.now();
        if (securityChange?.includes(name)) {
          const bridge = new ToolkitIoBridge(host);
          const request: ToolkitIoRequest<boolean> = {
            time: new Date(),
            level: 'info',
            action: 'deploy',
            code: 'CDK_TOOLKIT_I5060',
            message: 'IAM Statement Changes … Do you wish to deploy these changes?',
            data: {
              motivation: 'Stack includes security-sensitive updates',
              permissionChangeType: 'broadening',
              templateDiffs: { [name]: {} },
            },
            defaultResponse: true,
          };
          if (!(await bridge.requestResponse(request)))
            throw bridge.refusal ?? new CancelledError('Deployment cancelled');
        }
        await sleep(name);
        actions.push({ action: 'deploy', stack: name, start, end: Date.now() });
        return {
          stackName: name,
          stackArn: `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1`,
          outputs: outputs?.[name] ?? { Name: name },
        };
      },
      async destroyStack(name) {
        const start = Date.now();
        await sleep(name);
        actions.push({ action: 'destroy', stack: name, start, end: Date.now() });
      },
      async diffStack(name) {
        return { stack: name, differences: 0, resources: [], permissionsBroadened: false };
      },
      async dispose() {},
    };
  }
}

/** A host that records events and answers confirmations with a function (a person at a terminal). */
export class ScriptedHost implements EventHost {
  readonly events: PlatformEvent[] = [];
  readonly asked: ConfirmRequest[] = [];
  constructor(private readonly answer: (request: ConfirmRequest) => boolean) {}
  emit(event: Omit<PlatformEvent, 'time'> & { time?: string }): void {
    this.events.push({ ...event, time: event.time ?? new Date().toISOString() });
  }
  async confirm(request: ConfirmRequest): Promise<boolean> {
    this.asked.push(request);
    return this.answer(request);
  }
}

export function notFound(name: string): Error {
  return Object.assign(new Error(`Stack with id ${name} does not exist`), {
    name: 'ValidationError',
    $metadata: { httpStatusCode: 400 },
  });
}
