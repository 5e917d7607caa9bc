import { commandFailed, type CommandRunner, type RunOptions, type RunResult } from '../../src/k8s/exec.js';

export interface RecordedCall {
  command: string;
  args: string[];
  input?: string;
}

type Responder = (call: RecordedCall) => Partial<RunResult> | undefined;

/** Records every call; answers from responders (first match wins), default: exit 0 with empty output. */
export class FakeRunner implements CommandRunner {
  readonly calls: RecordedCall[] = [];
  private readonly responders: Responder[] = [];

  on(responder: Responder): this {
    this.responders.push(responder);
    return this;
  }

  async run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const call: RecordedCall = {
      command,
      args: [...args],
      ...(options.input === undefined ? {} : { input: options.input }),
    };
    this.calls.push(call);
    let answer: Partial<RunResult> | undefined;
    for (const r of this.responders) {
      answer = r(call);
      if (answer) break;
    }
    const result: RunResult = {
      stdout: answer?.stdout ?? '',
      stderr: answer?.stderr ?? '',
      exitCode: answer?.exitCode ?? 0,
    };
    if (result.exitCode !== 0) throw commandFailed(command, args, result);
    return result;
  }
}
