/** Running local tools (helm, kubectl, aws) for the tools check. execa is loaded only when a tool runs. */

export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Resolves undefined when the program is not on PATH. */
export type CommandRunner = (file: string, args: string[]) => Promise<CommandOutput | undefined>;

export const execaRunner: CommandRunner = async (file, args) => {
  const { execa } = await import('execa');
  const result = await execa(file, args, { reject: false, timeout: 20_000, stdin: 'ignore' });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') return undefined;
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
};
