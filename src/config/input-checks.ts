/**
 * Checks on the bytes of coder-platform.yaml before YAML sees them: the size limit, the encoding (UTF-8
 * only; UTF-16/32 and binary files are named as such), and helpers that make what was found visible in a
 * message (code points of look-alike and invisible characters). Each failure is a ConfigError (exit 2).
 */
import { ConfigError } from '../errors.js';
import { API_VERSION } from './schema.js';

/** Largest configuration file accepted, in bytes. A complete file is a few kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const SAVE_AS_UTF8 = 'save the file as UTF-8 (without a byte-order mark is fine), e.g. `iconv -f UTF-16 -t UTF-8`';

/** The file is larger than MAX_CONFIG_BYTES: say so, and on which line it crosses the limit. */
export function tooLargeError(file: string | undefined, size: number, head: Buffer | string): ConfigError {
  const text = typeof head === 'string' ? head : head.toString('utf8');
  const crossing = lineAt(text, typeof head === 'string' ? byteOffsetToIndex(text, MAX_CONFIG_BYTES) : text.length);
  return new ConfigError(file, [
    {
      path: '(file)',
      line: crossing.line,
      column: crossing.column,
      message: `is ${formatBytes(size)}; a configuration file may be at most ${formatBytes(MAX_CONFIG_BYTES)} (it passes the limit on this line: was a log or another file pasted into it?)`,
      example: `a file of a few kilobytes, starting with apiVersion: ${API_VERSION}`,
    },
  ]);
}

/**
 * Decode the file's bytes as UTF-8, refusing what is not: UTF-16/32 (by byte-order mark or NUL pattern),
 * binary data, and invalid UTF-8 sequences, each with the line and column of the first offending byte.
 * A UTF-8 byte-order mark is dropped.
 */
export function decodeConfigBytes(bytes: Buffer, file: string | undefined): string {
  const encoding = wideEncoding(bytes);
  if (encoding !== undefined) {
    throw new ConfigError(file, [
      { path: '(file)', line: 1, column: 1, message: `is encoded as ${encoding}, not UTF-8`, example: SAVE_AS_UTF8 },
    ]);
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const nul = body.indexOf(0);
  if (nul >= 0) throw binaryError(file, body, nul, 'a NUL byte (0x00)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const bad = firstInvalidUtf8(body);
    throw binaryError(
      file,
      body,
      bad,
      `byte 0x${body[bad]!.toString(16).padStart(2, '0').toUpperCase()}, which is not valid UTF-8`,
    );
  }
  const control = firstControlCharacter(text);
  if (control >= 0) {
    const where = lineAt(text, control);
    const code = text.charCodeAt(control).toString(16).padStart(2, '0').toUpperCase();
    throw new ConfigError(file, [
      {
        path: '(file)',
        ...where,
        message: `contains the control character U+00${code}: this does not look like a text file`,
        example: `a YAML text file starting with apiVersion: ${API_VERSION}`,
      },
    ]);
  }
  return text;
}

/** Index of the first C0 control character other than tab, line feed and carriage return (or DEL); -1 when none. */
function firstControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return i;
  }
  return -1;
}

function binaryError(file: string | undefined, body: Buffer, offset: number, what: string): ConfigError {
  const where = lineAt(body.subarray(0, offset).toString('utf8'), Number.MAX_SAFE_INTEGER);
  return new ConfigError(file, [
    {
      path: '(file)',
      ...where,
      message: `contains ${what}: this is not a UTF-8 text file`,
      example: `a YAML text file starting with apiVersion: ${API_VERSION}`,
    },
  ]);
}

/** UTF-32 or UTF-16 by byte-order mark, or by the NUL bytes ASCII text has in those encodings. */
function wideEncoding(bytes: Buffer): string | undefined {
  const b = (i: number) => bytes[i];
  if (b(0) === 0x00 && b(1) === 0x00 && b(2) === 0xfe && b(3) === 0xff)
    return 'UTF-32 (big-endian, with a byte-order mark)';
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0x00 && b(3) === 0x00)
    return 'UTF-32 (little-endian, with a byte-order mark)';
  if (b(0) === 0xfe && b(1) === 0xff) return 'UTF-16 (big-endian, with a byte-order mark)';
  if (b(0) === 0xff && b(1) === 0xfe) return 'UTF-16 (little-endian, with a byte-order mark)';
  if (bytes.length >= 4) {
    if (b(0) !== 0 && b(1) === 0 && b(2) === 0 && b(3) === 0) return 'UTF-32 (little-endian)';
    if (b(0) === 0 && b(1) === 0 && b(2) === 0 && b(3) !== 0) return 'UTF-32 (big-endian)';
  }
  if (bytes.length >= 2) {
    if (b(0) !== 0 && b(1) === 0) return 'UTF-16 (little-endian)';
    if (b(0) === 0 && b(1) !== 0) return 'UTF-16 (big-endian)';
  }
  return undefined;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Binary search on prefixes would miss a truncated sequence at the cut; scan sequences instead.
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    try {
      decoder.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

/** 1-based line and column of a character index. */
export function lineAt(text: string, index: number): { line: number; column: number } {
  const end = Math.min(index, text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

function byteOffsetToIndex(text: string, bytes: number): number {
  return Buffer.from(text, 'utf8').subarray(0, bytes).toString('utf8').length;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * `"vpсCidr" (U+0441 at character 3 is not ASCII)`: for keys and values that print like the right ones
 * but hold look-alike letters or invisible characters. Empty when the text is printable ASCII.
 */
export function describeUnusualCharacters(text: string): string {
  const unusual: string[] = [];
  let index = 0;
  for (const ch of text) {
    index += 1;
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code > 0x7e) {
      const name = /\p{Cf}/u.test(ch)
        ? 'an invisible character'
        : code < 0x20 || code === 0x7f
          ? 'a control character'
          : 'not ASCII';
      unusual.push(`U+${code.toString(16).toUpperCase().padStart(4, '0')} at character ${index} is ${name}`);
    }
    if (unusual.length === 3) break;
  }
  return unusual.length === 0 ? '' : ` (${unusual.join('; ')})`;
}
