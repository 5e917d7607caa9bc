/**
 * coder-platform.yaml as a YAML document: parse errors and duplicate keys with their positions, the
 * plain value (aliases expanded, but an alias bomb refused), and a position finder for key paths.
 * Every step is linear in the size of the file: duplicate keys are found with one set per mapping (the
 * yaml library's own check compares every key with every other), and key lookups use a per-mapping index.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { describeUnusualCharacters } from './input-checks.js';
import { API_VERSION } from './schema.js';

/** Aliases (`*name`) that may be expanded while building the plain value; more is refused as an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

export type PositionFinder = (path: (string | number)[]) => { line?: number; column?: number };

export interface ParsedYaml {
  /** The plain value of the document: a mapping. */
  value: Record<string, unknown>;
  position: PositionFinder;
  /** The text as written of the scalar at exactly `path`, when there is one (e.g. a number too large for a double). */
  source: (path: (string | number)[]) => string | undefined;
}

const STARTER = `apiVersion: ${API_VERSION}, then profile: mvp-500`;

/** Parse YAML text into a mapping, or throw a ConfigError with every syntax problem located. */
export function parseYaml(text: string, file: string | undefined): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  // Warnings are unresolved tags (`!!python/object`, `!!js/function`): refused like errors, not guessed at.
  const issues: ConfigIssue[] = [...doc.errors, ...doc.warnings].map((e) => ({
    path: '(yaml)',
    ...at(e.pos[0]),
    ...explain(e.code, e.message.split('\n')[0] ?? e.message),
  }));
  const conflict = /^(<{7}|={7}|>{7})( |$)/m.exec(text);
  if (conflict)
    issues.unshift({
      path: '(yaml)',
      ...at(conflict.index),
      message: 'a merge-conflict marker: the file still holds both sides of a git conflict',
      example: 'keep one side and delete the <<<<<<<, ======= and >>>>>>> lines',
    });
  issues.push(...duplicateKeys(doc, at));
  if (issues.length > 0) throw new ConfigError(file, issues);

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    const what = text.trim() === '' ? 'is empty' : /^\s*#/.test(text) ? 'holds only comments' : 'holds no settings';
    throw new ConfigError(file, [
      {
        path: '(root)',
        line: 1,
        column: 1,
        message: `${what}: a configuration needs at least apiVersion and profile`,
        example: STARTER,
      },
    ]);
  }
  if (!isMap(doc.contents)) {
    const kind = isSeq(doc.contents)
      ? 'a list'
      : isScalar(doc.contents)
        ? `a single ${typeof doc.contents.value === 'string' ? 'text' : 'value'}`
        : 'not a mapping';
    const range = (doc.contents as { range?: [number, number, number] }).range;
    throw new ConfigError(file, [
      {
        path: '(root)',
        ...at(range?.[0] ?? 0),
        message: `the file must be a YAML mapping of keys to values, but it is ${kind}`,
        example: STARTER,
      },
    ]);
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    if (!/excessive alias count/i.test(error.message)) {
      throw new ConfigError(file, [
        {
          path: '(yaml)',
          ...at(firstAlias(doc)),
          message: `an alias (*name) refers to no anchor (&name) before it: ${error.message.split('\n')[0]}`,
          example: 'write the value out, or define the anchor first: key: &name value',
        },
      ]);
    }
    throw new ConfigError(file, [
      {
        path: '(yaml)',
        ...at(firstAlias(doc)),
        message: `refused: its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies of a collection, a pattern used to exhaust memory ("billion laughs")`,
        example: 'write the values out; anchors and aliases are not needed in coder-platform.yaml',
      },
    ]);
  }
  const index = new KeyIndex();
  return {
    value: value as Record<string, unknown>,
    position: positionFinder(doc, index, at),
    source: sourceFinder(doc, index, text),
  };
}

const SYNTAX_EXAMPLE = 'key: value, indented with spaces';

/** The yaml library's message, reworded where it speaks of its own API or leaves the reader guessing. */
function explain(code: string, message: string): { message: string; example: string } {
  if (code === 'MULTIPLE_DOCS')
    return {
      message: 'the file holds more than one YAML document (a second `---` line); coder-platform.yaml is one document',
      example: 'remove the second `---` and what follows it',
    };
  if (code === 'TAG_RESOLVE_FAILED')
    return {
      message: `${message}: YAML tags are not used in coder-platform.yaml and are refused`,
      example: 'remove the !!tag and write the plain value',
    };
  if (code === 'TAB_AS_INDENT') return { message, example: 'indent with two spaces, never tabs' };
  return { message, example: SYNTAX_EXAMPLE };
}

/** `Map keys must be unique` for every repeated key, with a set per mapping instead of pairwise comparison. */
function duplicateKeys(doc: Document, at: (offset: number) => { line: number; column: number }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Map(_key, map) {
      const first = new Map<unknown, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        const offset = pair.key.range?.[0] ?? 0;
        const seen = first.get(key);
        if (seen === undefined) first.set(key, offset);
        else
          issues.push({
            path: '(yaml)',
            ...at(offset),
            message: `the key ${JSON.stringify(String(key))}${describeUnusualCharacters(String(key))} appears twice in this mapping (first on line ${at(seen).line}); keys must be unique`,
            example: 'keep one of them',
          });
      }
    },
  });
  return issues;
}

function firstAlias(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Key → pair for each mapping, built once per mapping on first use. */
class KeyIndex {
  private readonly maps = new WeakMap<YAMLMap, Map<unknown, { key: Node; value: unknown }>>();

  child(node: unknown, part: string | number): { keyNode?: Node; node?: unknown } {
    const target = isAlias(node) ? undefined : node;
    if (isMap(target)) {
      let index = this.maps.get(target);
      if (!index) {
        index = new Map();
        for (const pair of target.items) {
          if (isPair(pair) && isScalar(pair.key) && !index.has(pair.key.value))
            index.set(pair.key.value, { key: pair.key, value: pair.value });
        }
        this.maps.set(target, index);
      }
      const hit = index.get(part);
      return hit ? { keyNode: hit.key, node: hit.value } : {};
    }
    if (isSeq(target) && typeof part === 'number') {
      const item = target.items[part];
      return item === undefined ? {} : { keyNode: item as Node, node: item };
    }
    return {};
  }
}

/** The deepest node of `path` present in the document, so a value from the profile still points near its override. */
function positionFinder(
  doc: Document,
  index: KeyIndex,
  at: (offset: number) => { line: number; column: number },
): PositionFinder {
  return (path) => {
    let node: unknown = doc.contents;
    let found: { line: number; column: number } | undefined;
    for (const part of path) {
      const next = index.child(node, part);
      const range = (next.keyNode as { range?: [number, number, number] } | undefined)?.range;
      if (!range) break;
      found = at(range[0]);
      node = next.node;
    }
    return found ?? {};
  };
}

function sourceFinder(doc: Document, index: KeyIndex, text: string): ParsedYaml['source'] {
  return (path) => {
    let node: unknown = doc.contents;
    for (const part of path) {
      node = index.child(node, part).node;
      if (node === undefined) return undefined;
    }
    const range = isScalar(node) ? node.range : undefined;
    return range ? text.slice(range[0], range[1]).trim() : undefined;
  };
}
