/** Shell quoting for the commands coder-platform prints (resume commands, next steps). Imports nothing. */

/** A value as a shell word: bare when safe, single-quoted otherwise. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
