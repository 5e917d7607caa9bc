import { describe, expect, it } from 'vitest';
import { ToolkitIoBridge, type ToolkitIoMessage, type ToolkitIoRequest } from '../../src/cdk/io-bridge.js';
import { RecordingHost } from '../../src/engine/host.js';
import { UserError } from '../../src/errors.js';
import { ScriptedHost } from './fakes.js';

const message = (code: string, data: unknown, text = 'text that must not be parsed'): ToolkitIoMessage => ({
  time: new Date(),
  level: 'info',
  action: 'deploy',
  code,
  message: text,
  data,
});
const request = <T>(code: string, data: unknown, defaultResponse: T): ToolkitIoRequest<T> => ({
  ...message(code, data),
  code,
  defaultResponse,
});

describe('toolkit IoHost bridge', () => {
  it('maps I5501/I5502/I5503 by code to stack events with progress', async () => {
    const host = new RecordingHost();
    const bridge = new ToolkitIoBridge(host);
    await bridge.notify(
      message('CDK_TOOLKIT_I5501', { deployment: 'd1', stackName: 'acme-network', resourcesTotal: 42 }),
    );
    await bridge.notify(
      message('CDK_TOOLKIT_I5502', {
        deployment: 'd1',
        event: {
          StackName: 'acme-network',
          LogicalResourceId: 'NatGateway1',
          ResourceType: 'AWS::EC2::NatGateway',
          ResourceStatus: 'CREATE_COMPLETE',
        },
        progress: { completed: 7, total: 42, formatted: '[7/42]' },
      }),
    );
    await bridge.notify(
      message('CDK_TOOLKIT_I5502', {
        deployment: 'd1',
        event: {
          StackName: 'acme-network',
          LogicalResourceId: 'FlowLog',
          ResourceType: 'AWS::EC2::FlowLog',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'Access denied for LogDestination',
        },
        progress: { completed: 8, total: 42 },
      }),
    );
    await bridge.notify(message('CDK_TOOLKIT_I5503', { deployment: 'd1', stackName: 'acme-network' }));
    const [start, ok, failed, stop] = host.events;
    expect(start).toMatchObject({
      code: 'CDK_TOOLKIT_I5501',
      level: 'info',
      data: { stackName: 'acme-network', resourcesTotal: 42, monitoring: 'start' },
    });
    expect(ok).toMatchObject({
      code: 'CDK_TOOLKIT_I5502',
      level: 'info',
      data: { logicalId: 'NatGateway1', status: 'CREATE_COMPLETE', progress: { completed: 7, total: 42 } },
    });
    expect(ok?.message).toBe('[7/42] CREATE_COMPLETE AWS::EC2::NatGateway NatGateway1');
    expect(failed).toMatchObject({
      level: 'warn',
      data: { status: 'CREATE_FAILED', reason: 'Access denied for LogDestination' },
    });
    expect(stop).toMatchObject({ code: 'CDK_TOOLKIT_I5503', data: { monitoring: 'stop' } });
  });

  it('keeps unlisted toolkit chatter at debug and errors at error', async () => {
    const host = new RecordingHost();
    const bridge = new ToolkitIoBridge(host);
    await bridge.notify(message('CDK_TOOLKIT_I5100', {}));
    await bridge.notify({ ...message('CDK_TOOLKIT_E5500', {}), level: 'error' });
    expect(host.events.map((e) => e.level)).toEqual(['debug', 'error']);
  });

  it('answers I5060 security approval through host.confirm, never with the toolkit default', async () => {
    const host = new ScriptedHost(() => false);
    const bridge = new ToolkitIoBridge(host);
    // The toolkit suggests `true`; the operator says no.
    const answer = await bridge.requestResponse(
      request(
        'CDK_TOOLKIT_I5060',
        {
          motivation: 'Stack includes security-sensitive updates',
          permissionChangeType: 'broadening',
          templateDiffs: { 'acme-cluster': {} },
        },
        true,
      ),
    );
    expect(answer).toBe(false);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0]).toMatchObject({ code: 'DAY0_SECURITY_CHANGES' });
    expect(host.asked[0]?.message).toContain('acme-cluster');
  });

  it('does not ask when a change has no security impact', async () => {
    const host = new ScriptedHost(() => false);
    const answer = await new ToolkitIoBridge(host).requestResponse(
      request('CDK_TOOLKIT_I5060', { permissionChangeType: 'none', templateDiffs: {} }, false),
    );
    expect(answer).toBe(true);
    expect(host.asked).toHaveLength(0);
  });

  it('non-interactive without --yes: refuses and keeps the UserError naming --yes', async () => {
    const bridge = new ToolkitIoBridge(new RecordingHost({ yes: false }));
    const answer = await bridge.requestResponse(
      request('CDK_TOOLKIT_I5050', { motivation: 'Stack is in a paused fail state' }, true),
    );
    expect(answer).toBe(false);
    expect(bridge.refusal).toBeInstanceOf(UserError);
    expect((bridge.refusal as UserError).nextSteps.join(' ')).toContain('--yes');
  });

  it('I7010 destroy is confirmed by the host unless the caller already had it confirmed', async () => {
    const asking = new ScriptedHost(() => true);
    expect(
      await new ToolkitIoBridge(asking).requestResponse(
        request('CDK_TOOLKIT_I7010', { motivation: 'irreversible' }, false),
      ),
    ).toBe(true);
    expect(asking.asked.map((r) => r.code)).toEqual(['DAY0_DESTROY_STACKS']);
    const preApproved = new ScriptedHost(() => false);
    expect(
      await new ToolkitIoBridge(preApproved, { preApproved: ['CDK_TOOLKIT_I7010'] }).requestResponse(
        request('CDK_TOOLKIT_I7010', {}, false),
      ),
    ).toBe(true);
    expect(preApproved.asked).toHaveLength(0);
  });
});
