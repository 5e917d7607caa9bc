/**
 * toolkit-lib's IoHost bridged into our EventHost (architecture.md "Output"). Messages are read by their
 * stable codes, never by their text: I5501/I5503 open and close a stack monitor, I5502 carries one
 * CloudFormation event with the stack's progress. Requests for approval (I5060 security-sensitive change,
 * I5050 roll back first, I7010 destroy) are answered by our host's confirm — `--yes` or a prompt — and
 * never by the toolkit's suggested default.
 *
 * Structurally typed against toolkit-lib's IIoHost so this module loads nothing heavy.
 */
import type { EventHost, EventLevel } from '../engine/host.js';

/** The parts of a toolkit IoMessage the bridge reads (see @aws-cdk/toolkit-lib api/io/io-message.d.ts). */
export interface ToolkitIoMessage {
  readonly time: Date;
  readonly level: 'error' | 'result' | 'warn' | 'info' | 'debug' | 'trace';
  readonly action: string;
  readonly code?: string | undefined;
  readonly message: string;
  readonly span?: string | undefined;
  readonly data?: unknown;
}

export interface ToolkitIoRequest<T> extends ToolkitIoMessage {
  readonly defaultResponse: T;
  readonly code: string;
}

/** Stable codes the bridge understands. */
export const TOOLKIT_CODES = {
  monitorStart: 'CDK_TOOLKIT_I5501',
  stackEvent: 'CDK_TOOLKIT_I5502',
  monitorStop: 'CDK_TOOLKIT_I5503',
  securityApproval: 'CDK_TOOLKIT_I5060',
  rollbackApproval: 'CDK_TOOLKIT_I5050',
  destroyApproval: 'CDK_TOOLKIT_I7010',
  deployed: 'CDK_TOOLKIT_I5900',
  deployTime: 'CDK_TOOLKIT_I5000',
  destroyed: 'CDK_TOOLKIT_I7900',
  synthTime: 'CDK_TOOLKIT_I1000',
  nagFindings: 'CDK_TOOLKIT_E9600',
} as const;

/** Codes of our own confirmation requests that stand in for the toolkit's. */
export const CONFIRM_CODES = {
  security: 'DAY0_SECURITY_CHANGES',
  rollback: 'DAY0_ROLLBACK_FIRST',
  destroy: 'DAY0_DESTROY_STACKS',
} as const;

/** Toolkit messages worth showing by default; every other info/result message becomes debug. */
const SHOWN_INFO = new Set<string>([
  TOOLKIT_CODES.deployed,
  TOOLKIT_CODES.deployTime,
  TOOLKIT_CODES.destroyed,
  TOOLKIT_CODES.synthTime,
]);

export interface IoBridgeOptions {
  /**
   * Requests already approved by the operator in another way (destroy asks for the typed deployment name
   * once, so the per-stack I7010 is answered from that).
   */
  preApproved?: readonly string[];
}

interface StackEventPayload {
  event?: {
    StackName?: string;
    LogicalResourceId?: string;
    ResourceType?: string;
    ResourceStatus?: string;
    ResourceStatusReason?: string;
  };
  progress?: { completed?: number; total?: number; formatted?: string };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * An IIoHost for toolkit-lib that forwards to an EventHost. Keep one bridge per action so events land
 * under the step that started it. When our confirm throws (non-interactive without --yes), the toolkit
 * only sees a refusal; the original error is kept in `refusal` so the caller can rethrow it as is.
 */
export class ToolkitIoBridge {
  /** The error our host threw when asked to confirm, if any (a UserError naming --yes). */
  refusal: unknown;
  private readonly preApproved: Set<string>;

  constructor(
    private readonly host: EventHost,
    options: IoBridgeOptions = {},
  ) {
    this.preApproved = new Set(options.preApproved ?? []);
  }

  async notify(msg: ToolkitIoMessage): Promise<void> {
    const code = msg.code ?? 'CDK_TOOLKIT_MESSAGE';
    switch (code) {
      case TOOLKIT_CODES.monitorStart:
      case TOOLKIT_CODES.monitorStop: {
        const data = (msg.data ?? {}) as { stackName?: string; resourcesTotal?: number; isStackUpdate?: boolean };
        const started = code === TOOLKIT_CODES.monitorStart;
        this.host.emit({
          level: 'info',
          code,
          message: `${data.stackName ?? 'stack'}: ${started ? `${data.isStackUpdate ? 'updating' : 'creating'}${data.resourcesTotal ? ` ${data.resourcesTotal} resources` : ''}` : 'CloudFormation finished'}`,
          data: {
            stackName: data.stackName,
            resourcesTotal: data.resourcesTotal,
            monitoring: started ? 'start' : 'stop',
          },
        });
        return;
      }
      case TOOLKIT_CODES.stackEvent: {
        const { event = {}, progress } = (msg.data ?? {}) as StackEventPayload;
        const status = event.ResourceStatus ?? 'UNKNOWN';
        const failed = status.endsWith('_FAILED');
        const reason = event.ResourceStatusReason ? ` — ${event.ResourceStatusReason}` : '';
        const counter = progress?.total ? `[${progress.completed ?? 0}/${progress.total}] ` : '';
        this.host.emit({
          level: failed ? 'warn' : 'info',
          code,
          message: `${counter}${status} ${event.ResourceType ?? ''} ${event.LogicalResourceId ?? ''}${reason}`
            .replace(/\s+/g, ' ')
            .trim(),
          data: {
            stackName: event.StackName,
            logicalId: event.LogicalResourceId,
            resourceType: event.ResourceType,
            status,
            reason: event.ResourceStatusReason,
            progress: { completed: progress?.completed ?? 0, total: progress?.total },
          },
        });
        return;
      }
      default:
        this.host.emit({ level: levelOf(msg), code, message: clean(msg.message) });
    }
  }

  async requestResponse<T>(msg: ToolkitIoRequest<T>): Promise<T> {
    if (this.preApproved.has(msg.code)) return true as T;
    switch (msg.code) {
      case TOOLKIT_CODES.securityApproval: {
        const data = (msg.data ?? {}) as { permissionChangeType?: string; templateDiffs?: Record<string, unknown> };
        // A change without IAM or security-group changes was asked for by running deploy itself.
        if (data.permissionChangeType === 'none') return true as T;
        const stacks = Object.keys(data.templateDiffs ?? {}).join(', ') || 'the stack';
        const kind =
          data.permissionChangeType === 'broadening'
            ? 'broadens IAM permissions or security-group access'
            : 'changes IAM permissions or security groups';
        return (await this.ask({
          code: CONFIRM_CODES.security,
          message: `The change to ${stacks} ${kind}. Deploy it?`,
        })) as T;
      }
      case TOOLKIT_CODES.rollbackApproval: {
        const motivation =
          (msg.data as { motivation?: string } | undefined)?.motivation ?? 'The stack must be rolled back first';
        return (await this.ask({
          code: CONFIRM_CODES.rollback,
          message: `${clean(motivation)}. Roll it back and deploy again?`,
        })) as T;
      }
      case TOOLKIT_CODES.destroyApproval:
        return (await this.ask({ code: CONFIRM_CODES.destroy, message: clean(msg.message).replace(/\s+/g, ' ') })) as T;
      default:
        // Requests we do not model (MFA token, resource import) keep the toolkit's default; say so.
        this.host.emit({
          level: 'debug',
          code: msg.code,
          message: `toolkit asked: ${clean(msg.message)} (answered with its default)`,
        });
        return msg.defaultResponse;
    }
  }

  private async ask(request: { code: string; message: string }): Promise<boolean> {
    try {
      return await this.host.confirm(request);
    } catch (error) {
      this.refusal ??= error;
      return false;
    }
  }
}

function levelOf(msg: ToolkitIoMessage): EventLevel {
  if (msg.level === 'error') return 'error';
  if (msg.level === 'warn') return 'warn';
  // Deploy and destroy re-read the cached assembly and report a "synthesis time" of 0 s: not worth a line.
  if (msg.code === TOOLKIT_CODES.synthTime && msg.action !== 'synth') return 'debug';
  if ((msg.level === 'info' || msg.level === 'result') && msg.code !== undefined && SHOWN_INFO.has(msg.code))
    return 'info';
  return 'debug';
}

function clean(text: string): string {
  return text.replace(ANSI, '').trim();
}
