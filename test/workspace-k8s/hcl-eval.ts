/**
 * A small evaluator for the HCL expressions the bundled Kubernetes base uses (as @cdktf/hcl2json hands
 * them over: "${…}" strings), so tests can render the real template resources into Kubernetes objects.
 * It knows var.*, local.* (lazily, from the parsed locals), string templates, lists, objects, ?:, ==, !=,
 * !, &&, ||, + - * /, and the functions below. Anything else throws: the test must then learn it, rather
 * than guess. A reference to another resource throws Unresolved, which callers may keep as text.
 */
export class Unresolved extends Error {}

type Value = unknown;
export interface EvalContext {
  var: Record<string, Value>;
  local: Record<string, Value>;
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  lookup: (m, k, d) => (m as Record<string, Value>)[k as string] ?? d,
  merge: (...maps) => Object.assign({}, ...(maps as object[])),
  tostring: (x) => String(x),
  tonumber: (x) => {
    const n = Number(x);
    if (Number.isNaN(n)) throw new Error(`tonumber(${String(x)})`);
    return n;
  },
  contains: (list, x) => (list as Value[]).includes(x),
  split: (sep, s) => String(s).split(String(sep)),
  endswith: (s, suffix) => String(s).endsWith(String(suffix)),
  trimsuffix: (s, suffix) =>
    String(s).endsWith(String(suffix)) ? String(s).slice(0, -String(suffix).length) : String(s),
  max: (...xs) => Math.max(...(xs as number[])),
  floor: (x) => Math.floor(x as number),
  lower: (s) => String(s).toLowerCase(),
  substr: (s, offset, length) => String(s).substr(offset as number, length as number),
  replace: (s, pattern, replacement) => {
    const p = String(pattern);
    return p.length > 1 && p.startsWith('/') && p.endsWith('/')
      ? String(s).replace(new RegExp(p.slice(1, -1), 'g'), String(replacement))
      : String(s).split(p).join(String(replacement));
  },
};

class Parser {
  pos = 0;
  /** > 0 while parsing the branch of a conditional that is not taken: parse, but evaluate nothing. */
  private skipping = 0;
  constructor(
    private readonly src: string,
    private readonly ctx: EvalContext,
  ) {}

  fail(message: string): never {
    throw new Error(`${message} at ${this.pos} in ${JSON.stringify(this.src)}`);
  }

  ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos += 1;
  }

  eat(token: string): boolean {
    this.ws();
    if (this.src.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected ${token}`);
  }

  expr(): Value {
    const cond = this.or();
    if (!this.eat('?')) return cond;
    const taken = this.skipping > 0 || cond === true;
    const a = taken ? this.expr() : this.skip();
    this.expect(':');
    const b = taken ? this.skip() : this.expr();
    return this.skipping > 0 ? null : taken ? a : b;
  }

  skip(): null {
    this.skipping += 1;
    try {
      this.expr();
    } finally {
      this.skipping -= 1;
    }
    return null;
  }

  or(): Value {
    let left = this.and();
    while (this.eat('||')) left = (left as boolean) || (this.and() as boolean);
    return left;
  }

  and(): Value {
    let left = this.compare();
    while (this.eat('&&')) left = (left as boolean) && (this.compare() as boolean);
    return left;
  }

  compare(): Value {
    const left = this.sum();
    if (this.eat('==')) return JSON.stringify(left) === JSON.stringify(this.sum());
    if (this.eat('!=')) return JSON.stringify(left) !== JSON.stringify(this.sum());
    return left;
  }

  sum(): Value {
    let left = this.product();
    for (;;) {
      if (this.eat('+')) left = this.arith(left, this.product(), (x, y) => x + y);
      else if (this.eat('-')) left = this.arith(left, this.product(), (x, y) => x - y);
      else return left;
    }
  }

  product(): Value {
    let left = this.unary();
    for (;;) {
      if (this.eat('*')) left = this.arith(left, this.unary(), (x, y) => x * y);
      else if (this.eat('/')) left = this.arith(left, this.unary(), (x, y) => x / y);
      else return left;
    }
  }

  arith(x: Value, y: Value, op: (a: number, b: number) => number): Value {
    if (this.skipping > 0) return null;
    if (typeof x !== 'number' || typeof y !== 'number')
      this.fail(`arithmetic on ${JSON.stringify(x)} and ${JSON.stringify(y)}`);
    return op(x, y);
  }

  unary(): Value {
    if (this.eat('!')) return !(this.unary() as boolean);
    return this.postfix();
  }

  postfix(): Value {
    let value = this.primary();
    for (;;) {
      if (this.eat('.')) {
        const key = this.ident();
        value = this.skipping > 0 ? null : (value as Record<string, Value>)[key];
      } else if (this.eat('[')) {
        const key = this.expr();
        this.expect(']');
        value = this.skipping > 0 ? null : (value as Record<string, Value>)[key as string];
      } else return value;
    }
  }

  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  primary(): Value {
    this.ws();
    const c = this.src[this.pos];
    if (c === '"') return this.string();
    if (c !== undefined && /[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      return Number(m[0]);
    }
    if (this.eat('(')) {
      const v = this.expr();
      this.expect(')');
      return v;
    }
    if (this.eat('[')) return this.list();
    if (this.eat('{')) return this.object();
    const name = this.ident();
    if (name === 'true' || name === 'false') return name === 'true';
    if (name === 'null') return null;
    if (this.eat('(')) {
      const args: Value[] = [];
      while (!this.eat(')')) {
        args.push(this.expr());
        this.eat(',');
      }
      const fn = FUNCTIONS[name];
      if (!fn) this.fail(`function ${name}() is not known to the test evaluator`);
      return this.skipping > 0 ? null : fn(...args);
    }
    if (name === 'var') return this.ctx.var;
    if (name === 'local') return this.ctx.local;
    if (this.skipping > 0) return null;
    throw new Unresolved(`reference to ${name}`);
  }

  list(): Value[] {
    const items: Value[] = [];
    while (!this.eat(']')) {
      items.push(this.expr());
      this.eat(',');
    }
    return items;
  }

  object(): Record<string, Value> {
    const out: Record<string, Value> = {};
    while (!this.eat('}')) {
      this.ws();
      const key = this.src[this.pos] === '"' ? String(this.string()) : this.ident();
      if (!this.eat('=') && !this.eat(':')) this.fail('expected = in an object');
      out[key] = this.expr();
      this.eat(',');
    }
    return out;
  }

  /** A quoted template. */
  string(): Value {
    this.pos += 1;
    const v = this.template('"');
    this.pos += 1;
    return v;
  }

  /** Literal parts and ${…} interpolations up to the terminator; a lone interpolation keeps its type. */
  template(terminator: '"' | undefined): Value {
    const parts: Value[] = [];
    let text = '';
    while (terminator === undefined ? this.pos < this.src.length : this.src[this.pos] !== terminator) {
      if (this.pos >= this.src.length) this.fail('unterminated string');
      if (terminator !== undefined && this.src[this.pos] === '\\') {
        const next = this.src[this.pos + 1];
        text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        this.pos += 2;
      } else if (this.src.startsWith('${', this.pos)) {
        if (text) parts.push(text);
        text = '';
        this.pos += 2;
        parts.push(this.expr());
        this.expect('}');
      } else {
        text += this.src[this.pos];
        this.pos += 1;
      }
    }
    if (text) parts.push(text);
    return parts.length === 1 && typeof parts[0] !== 'string'
      ? parts[0]
      : parts.map((p) => (typeof p === 'string' ? p : String(p))).join('');
  }
}

/** Evaluate an attribute value as hcl2json gives it: "${expr}" strings are expressions, the rest literals. */
export function evaluate(value: Value, ctx: EvalContext): Value {
  if (typeof value !== 'string' || !value.includes('${')) return value;
  const parser = new Parser(value, ctx);
  return parser.template(undefined);
}

/** evaluate(), through lists and maps (hcl2json gives a literal list or map as JSON with "${…}" elements). */
export function evaluateDeep(value: Value, ctx: EvalContext): Value {
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, ctx));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateDeep(v, ctx)]));
  return evaluate(value, ctx);
}

/** local.* from the parsed `locals` blocks, each evaluated on first use. */
export function lazyLocals(blocks: Record<string, Value>[], ctx: EvalContext): Record<string, Value> {
  const locals: Record<string, Value> = {};
  for (const block of blocks) {
    for (const [name, raw] of Object.entries(block)) {
      let cached: { v: Value } | undefined;
      Object.defineProperty(locals, name, {
        enumerable: true,
        get: () => (cached ??= { v: evaluateDeep(raw, ctx) }).v,
      });
    }
  }
  return locals;
}
