/**
 * Colour and symbols for terminal output. Honours NO_COLOR (https://no-color.org) and FORCE_COLOR, and
 * never colours output that is not a TTY.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface StyleOptions {
  /** The stream the text goes to; colour only when it is a TTY. @default process.stderr */
  stream?: NodeJS.WriteStream;
  /** Environment to read NO_COLOR / FORCE_COLOR from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export function colorLevel(options: StyleOptions = {}): 0 | 1 | 2 | 3 {
  const env = options.env ?? process.env;
  const stream = options.stream ?? process.stderr;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return 1;
  if (env.TERM === 'dumb') return 0;
  return stream.isTTY ? 1 : 0;
}

export function createStyle(options: StyleOptions = {}): ChalkInstance {
  return new Chalk({ level: colorLevel(options) });
}
