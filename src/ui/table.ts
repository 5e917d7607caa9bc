/**
 * Plain-text tables for results on stdout. Without a width (CI, pipes) columns are as wide as their widest
 * cell, as before. With a terminal width, a table that would not fit wraps one text column (the item
 * names) at word boundaries, so numbers are never cut and every line fits.
 */

/** The narrowest a wrapped column gets, however narrow the terminal. */
export const MIN_WRAP_WIDTH = 12;

export interface TableOptions {
  /** Columns aligned to the right (numbers). */
  alignRight?: number[];
  /** Terminal columns; undefined keeps the natural width. */
  width?: number | undefined;
  /** The column that wraps when the table is too wide. @default 0 */
  wrap?: number;
}

/** Split `text` into lines of at most `max` characters, at spaces where possible. */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let w = word;
    while (w.length > max) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, max));
      w = w.slice(max);
    }
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= max) line = `${line} ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  lines.push(line);
  return lines;
}

function layout(rows: string[][], alignRight: number[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (alignRight.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderTable(rows: string[][], options: TableOptions = {}): string[] {
  const alignRight = options.alignRight ?? [];
  const wrap = options.wrap ?? 0;
  const natural = layout(rows, alignRight);
  const widest = Math.max(0, ...natural.map((l) => l.length));
  if (options.width === undefined || widest <= options.width) return natural;
  const wrapWidth = Math.max(...rows.map((r) => (r[wrap] ?? '').length));
  const room = Math.max(MIN_WRAP_WIDTH, wrapWidth - (widest - options.width));
  const expanded = rows.flatMap((r) => {
    const pieces = wrapText(r[wrap] ?? '', room);
    return pieces.map((piece, i) => r.map((cell, c) => (c === wrap ? piece : i === 0 ? cell : '')));
  });
  return layout(expanded, alignRight);
}
