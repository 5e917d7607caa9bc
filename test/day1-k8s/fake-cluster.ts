/**
 * A stateful stand-in for kubectl and helm behind the CommandRunner seam: `apply` stores objects, `get`
 * answers from them, `helm upgrade --install` records a deployed release (and the Deployment it creates),
 * `helm status`/`get values` answer from the releases. Every call is recorded with its stdin.
 */
import { commandFailed, type CommandRunner, type RunOptions, type RunResult } from '../../src/k8s/exec.js';
import type { RecordedCall } from './fake-runner.js';

const KIND_NAMES: Record<string, string> = {
  Namespace: 'namespace',
  StorageClass: 'storageclass',
  Secret: 'secret',
  Deployment: 'deployment',
  TargetGroupBinding: 'targetgroupbindings.elbv2.k8s.aws',
  Role: 'role.rbac.authorization.k8s.io',
  RoleBinding: 'rolebinding.rbac.authorization.k8s.io',
  NetworkPolicy: 'networkpolicy.networking.k8s.io',
};

interface Release {
  version: string;
  values: unknown;
  revision: number;
}

export class FakeCluster implements CommandRunner {
  readonly calls: RecordedCall[] = [];
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly releases = new Map<string, Release>();
  /** Fail the next call whose command line matches, with this stderr. */
  failures: { match: (call: RecordedCall) => boolean; stderr: string }[] = [];

  constructor() {
    this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  }

  key(kind: string, name: string, namespace?: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  put(object: Record<string, unknown>): void {
    const meta = object.metadata as { name: string; namespace?: string };
    this.objects.set(
      this.key(KIND_NAMES[String(object.kind)] ?? String(object.kind).toLowerCase(), meta.name, meta.namespace),
      object,
    );
  }

  helmCalls(verb: string): RecordedCall[] {
    return this.calls.filter((c) => c.command === 'helm' && c.args[0] === verb);
  }

  async run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const call: RecordedCall = {
      command,
      args: [...args],
      ...(options.input === undefined ? {} : { input: options.input }),
    };
    this.calls.push(call);
    const failure = this.failures.findIndex((f) => f.match(call));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      throw commandFailed(command, args, { stdout: '', stderr: f!.stderr, exitCode: 1 });
    }
    const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0 });
    const flag = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    if (command === 'kubectl') {
      const verb = args[2];
      if (verb === 'apply') {
        const doc = JSON.parse(options.input ?? '{}') as Record<string, unknown>;
        for (const item of doc.kind === 'List' ? (doc.items as Record<string, unknown>[]) : [doc]) this.put(item);
        return ok();
      }
      if (verb === 'get') {
        const object = this.objects.get(this.key(args[3]!, args[4]!, flag('--namespace')));
        return ok(object ? JSON.stringify(object) : '');
      }
      return ok(); // rollout status / restart
    }
    if (command === 'helm') {
      const namespace = flag('--namespace') ?? '';
      if (args[0] === 'upgrade') {
        const release = args[2]!;
        const previous = this.releases.get(`${namespace}/${release}`);
        const version = flag('--version') ?? /-(\d+\.\d+\.\d+)\.tgz$/.exec(args[3]!)?.[1] ?? '0.0.0';
        this.releases.set(`${namespace}/${release}`, {
          version,
          values: JSON.parse(options.input ?? '{}'),
          revision: (previous?.revision ?? 0) + 1,
        });
        const replicas =
          (JSON.parse(options.input ?? '{}') as { coder?: { replicaCount?: number } }).coder?.replicaCount ?? 1;
        this.put({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: release, namespace },
          spec: { replicas },
          status: { readyReplicas: replicas, updatedReplicas: replicas },
        });
        return ok();
      }
      const release = this.releases.get(`${namespace}/${args[1] ?? ''}`);
      if (args[0] === 'status') {
        if (!release)
          throw commandFailed(command, args, { stdout: '', stderr: 'Error: release: not found', exitCode: 1 });
        return ok(
          JSON.stringify({
            name: args[1],
            namespace,
            version: release.revision,
            info: { status: 'deployed' },
            chart: { metadata: { version: release.version } },
          }),
        );
      }
      if (args[0] === 'get') {
        const r = this.releases.get(`${namespace}/${args[2] ?? ''}`);
        if (!r) throw commandFailed(command, args, { stdout: '', stderr: 'Error: release: not found', exitCode: 1 });
        return ok(JSON.stringify(r.values));
      }
      return ok(); // show chart
    }
    throw new Error(`unexpected command ${command}`);
  }
}
