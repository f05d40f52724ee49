// The parser: tokens → syntax tree, by recursive descent with SystemTap's operator precedence
// (lowest first): assignment and `<<<` (right-associative), `?:`, `||`, `&&`, `|`, `^`, `&`,
// `in`, `== !=`, `< <= > >=`, `<< >> >>>`, `.` (concatenation), `+ -`, `* / %`, unary, postfix.
import type { AssignOp, SourceLoc } from '../ir/ir';
import type { AstAlias, AstExpr, AstFile, AstFunction, AstGlobal, AstProbe, AstProbePoint, AstProbePointComponent, AstStmt, AstTargetStep, ForeachKey } from './ast';
import type { Diagnostics } from './diagnostic';
import { shortened, type Token } from './lexer';
import { ASSOCIATIVE, BALANCE_FROM, balancedChain, checkDepth, MAX_NESTING, nestingMessage } from './nesting';

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '.=']);
/** SystemTap's @-operators utap parses but gives no meaning (type information, kernel memory, perf). */
const AT_OPERATORS = new Set(['cast', 'kderef', 'kregister', 'uderef', 'uregister', 'const', 'perf', 'probewrite', 'module', 'cast_sizeof', 'cast_module_sizeof', 'choose_defined', 'this']);
const EMBEDDED_C = 'embedded C (%{ ... %}) is not supported by utap: scripts cannot run C code inside the traced process.';
const GURU_AT_OPERATORS = new Set(['kderef', 'kregister', 'uregister']);
const STATEMENT_KEYWORDS = new Set(['if', 'else', 'while', 'for', 'foreach', 'return', 'next', 'break', 'continue', 'delete', 'try']);
const TOP_LEVEL = new Set(['probe', 'global', 'function', 'private']);
const KEYWORDS = new Set(['try', 'catch', 'if', 'else', 'while', 'for', 'foreach', 'in', 'limit', 'break', 'continue', 'next', 'return', 'delete', 'global', 'function', 'probe', 'private']);

/** Binary levels from loosest to tightest; each is left-associative. */
const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['in'], ['==', '!=', '=~', '!~'], ['<', '<=', '>', '>='], ['<<', '>>', '>>>'], ['.'], ['+', '-'], ['*', '/', '%']];

export class Parser {
  private pos = 0;
  /** How many nested parse calls are open (nesting.ts: the parser recurses once per level). */
  private depth = 0;
  /** Inside a function body: `return` is allowed. */
  private inFunction = false;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly diag: Diagnostics,
    /** -g: embedded C and the kernel @-operators parse (utap's checker still refuses them). */
    private readonly guru = false,
  ) {}

  /**
   * SystemTap's parser refuses embedded C and kernel-memory operators unless -g is given; with
   * -g they parse (so `--stop-after parse` accepts what stap -p1 accepts) and the checker refuses.
   */
  private needGuru(message: string, loc: SourceLoc): void {
    if (!this.guru) this.fail(message, loc);
  }

  // ───────────── helpers ─────────────

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)];
  }

  private is(text: string): boolean {
    const t = this.tok;
    return (t.kind === 'op' || t.kind === 'ident') && t.text === text;
  }

  private accept(text: string): Token | undefined {
    if (!this.is(text)) return undefined;
    return this.tokens[this.pos++];
  }

  private expect(text: string, what?: string): Token {
    const t = this.accept(text);
    if (!t) this.fail(`expected '${text}'${what ? ` ${what}` : ''} but found ${this.describe(this.tok)}.`);
    return t!;
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'the end of the file';
    if (t.kind === 'string') return `the string ${shortened(t.text)}`;
    if (t.kind === 'number') return `the number ${shortened(t.text)}`;
    return `'${shortened(t.text)}'`;
  }

  private fail(reason: string, loc: SourceLoc = this.tok.loc): never {
    return this.diag.error(loc, reason);
  }

  /** Runs `parse` one nesting level deeper, refusing past MAX_NESTING before the stack runs out. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(nestingMessage());
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private ident(what: string): Token {
    const t = this.tok;
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) this.fail(`expected ${what} but found ${this.describe(t)}.`);
    this.pos++;
    return t;
  }

  // ───────────── top level ─────────────

  /**
   * The whole file. A syntax error is reported and parsing resumes at the next top-level
   * keyword (`probe`, `global`, `function`, `private`), as SystemTap does, so one run reports
   * every independent mistake.
   */
  parseFile(): AstFile {
    const out: AstFile = { file: this.file, globals: [], functions: [], probes: [], aliases: [], embedded: [] };
    while (this.tok.kind !== 'eof') {
      const before = this.pos;
      const ok = this.diag.collect(() => this.parseTopLevel(out));
      if (!ok) {
        if (this.pos === before) this.pos++;
        while (!this.atTopLevelStart()) this.pos++;
      }
    }
    return out;
  }

  /** The end, or a token that starts a top-level declaration: where parsing resumes after an error. */
  private atTopLevelStart(): boolean {
    const t = this.tok;
    if (t.kind === 'eof') return true;
    if (!(t.kind === 'embedded' || (t.kind === 'ident' && TOP_LEVEL.has(t.text)))) return false;
    // a keyword right after '{' or inside an expression is part of the broken declaration
    const before = this.tokens[this.pos - 1];
    return !before || before.text === '}' || before.text === ';' || before.loc.line < t.loc.line;
  }

  private parseTopLevel(out: AstFile): void {
    if (this.accept(';')) return;
    if (this.is('global')) this.addGlobals(out, this.parseGlobals());
    else if (this.is('function')) out.functions.push(this.parseFunction());
    else if (this.is('private')) {
      this.pos++;
      if (this.is('global')) this.addGlobals(out, this.parseGlobals());
      else if (this.is('function')) out.functions.push(this.parseFunction());
      // `private NAME` declares a private global, as `private global NAME` does
      else if (this.tok.kind === 'ident' && !KEYWORDS.has(this.tok.text)) this.addGlobals(out, this.parseGlobals(false));
      else this.fail(`expected 'global' or 'function' after 'private' but found ${this.describe(this.tok)}.`);
    } else if (this.is('probe')) {
      const parsed = this.parseProbe();
      if ('names' in parsed) out.aliases.push(parsed);
      else out.probes.push(parsed);
    } else if (this.tok.kind === 'embedded') {
      this.needGuru(EMBEDDED_C, this.tok.loc);
      out.embedded.push(this.tok.loc);
      this.pos++;
    } else {
      this.fail(`expected 'probe', 'global' or 'function' at the top level but found ${this.describe(this.tok)}.`);
    }
  }

  private addGlobals(out: AstFile, globals: AstGlobal[]): void {
    for (const g of globals) {
      const before = out.globals.find((x) => x.name === g.name);
      if (before) this.diag.report(g.loc, `the global '${g.name}' is already declared at ${before.loc.file}:${before.loc.line}:${before.loc.column}.`);
      else out.globals.push(g);
    }
  }

  private parseGlobals(keyword = true): AstGlobal[] {
    if (keyword) this.expect('global');
    const out: AstGlobal[] = [];
    do {
      const name = this.ident('a global variable name');
      const g: AstGlobal = { name: name.text, loc: name.loc };
      if (this.accept('[')) {
        const size = this.tok;
        if (size.kind !== 'number') this.fail(`an array size must be a number, as in global ${name.text}[1000]; found ${this.describe(size)}.`);
        this.pos++;
        if ((size.value as bigint) <= 0n || (size.value as bigint) > 1_000_000_000n) this.fail(`the array size ${size.text} must be between 1 and 1000000000.`, size.loc);
        g.size = Number(size.value);
        this.expect(']', 'after the array size');
      }
      if (this.is('=') && g.size !== undefined) this.fail(`the array '${name.text}' cannot have an initial value; only scalar globals can (global x = 42).`);
      if (this.accept('=')) {
        const negative = this.accept('-');
        const v = this.tok;
        if (v.kind === 'number') g.init = BigInt.asIntN(64, negative ? -(v.value as bigint) : (v.value as bigint));
        else if (v.kind === 'string' && !negative) g.init = v.value as string;
        else this.fail(`a global's initial value must be a number or a string literal; found ${this.describe(v)}.`);
        this.pos++;
      }
      out.push(g);
    } while (this.accept(','));
    return out;
  }

  private parseType(): 'long' | 'string' {
    const t = this.ident("a type ('long' or 'string')");
    if (t.text !== 'long' && t.text !== 'string') this.fail(`'${t.text}' is not a type; write long or string.`, t.loc);
    return t.text as 'long' | 'string';
  }

  private parseFunction(): AstFunction {
    const keyword = this.expect('function');
    const name = this.ident('a function name');
    let returnType: 'long' | 'string' | undefined;
    if (this.accept(':')) returnType = this.parseType();
    this.expect('(', 'after the function name');
    const params: AstFunction['params'] = [];
    if (!this.is(')')) {
      do {
        const p = this.ident('a parameter name');
        let type: 'long' | 'string' | undefined;
        if (this.accept(':')) type = this.parseType();
        if (params.some((q) => q.name === p.text)) this.fail(`the parameter '${p.text}' is listed twice.`, p.loc);
        params.push({ name: p.text, type, loc: p.loc });
      } while (this.accept(','));
    }
    this.expect(')', 'after the parameters');
    if (this.is(':')) {
      // SystemTap's `function f():long` after the parameters is an old spelling of the type
      this.pos++;
      returnType = this.parseType();
    }
    if (this.tok.kind === 'embedded') {
      const loc = this.tok.loc;
      this.needGuru(EMBEDDED_C, loc);
      this.pos++;
      return { name: name.text, returnType, params, body: { kind: 'block', body: [], loc }, embedded: loc, loc: keyword.loc };
    }
    if (!this.is('{')) this.fail(`expected '{' to start the body of function '${name.text}' but found ${this.describe(this.tok)}.`);
    this.inFunction = true;
    try {
      const body = this.parseBlock();
      return { name: name.text, returnType, params, body, loc: keyword.loc };
    } finally {
      this.inFunction = false;
    }
  }

  private parseProbe(): AstProbe | AstAlias {
    const keyword = this.expect('probe');
    const first = this.parsePointList();
    if (this.is('=') || this.is('+=')) {
      const epilogue = this.tok.text === '+=';
      this.pos++;
      const names = first.map((p) => {
        if (p.optional || p.condition || p.components.some((c) => c.arg !== undefined || /[*?[]/.test(c.name))) {
          this.fail('an alias name is made of plain names joined by dots, as in probe libpq.query = ... (no wildcards, arguments, ? or if).', p.loc);
        }
        return p.components.map((c) => c.name);
      });
      const points = this.parsePointList();
      const body = this.parseBlock();
      return { names, points, body, epilogue, loc: keyword.loc };
    }
    if (!this.is('{')) this.fail(`expected '{' to start the probe's handler but found ${this.describe(this.tok)}.`);
    const body = this.parseBlock();
    return { points: first, body, loc: keyword.loc };
  }

  private parsePointList(): AstProbePoint[] {
    const points = this.parseProbePoint();
    while (this.accept(',')) points.push(...this.parseProbePoint());
    return points;
  }

  /**
   * One probe point as written: `a.b("x").c`, with wildcards inside names (`sys*`, `*abc*`),
   * `{a,b}` alternatives (expanded here: `{a,b}.c` is the two points `a.c` and `b.c`), a
   * trailing `?` or `!` (optional), and `if (cond)`.
   */
  private parseProbePoint(): AstProbePoint[] {
    const loc = this.tok.loc;
    const alternatives = this.parsePointSequence();
    let optional = false;
    while (this.is('?') || this.is('!')) {
      this.pos++;
      optional = true;
    }
    let condition: AstExpr | undefined;
    if (this.accept('if')) {
      this.expect('(', "after 'if' in a probe point");
      condition = this.parseExpr();
      this.expect(')', 'after the probe condition');
    }
    return alternatives.map((components) => ({ components, optional, ...(condition && { condition }), loc }));
  }

  /** `part(.part)*`, each part a component or `{seq, seq}`: every spelled-out sequence. */
  private parsePointSequence(): AstProbePointComponent[][] {
    let out: AstProbePointComponent[][] = [[]];
    do {
      let part: AstProbePointComponent[][];
      if (this.is('{')) {
        this.pos++;
        part = [...this.parsePointSequence()];
        while (this.accept(',')) part.push(...this.parsePointSequence());
        this.expect('}', 'to close the {...} alternatives of a probe point');
      } else part = [[this.parsePointComponent()]];
      out = out.flatMap((prefix) => part.map((p) => [...prefix, ...p]));
      if (out.length > 10000) this.fail('this probe point spells out more than 10000 alternatives.');
    } while (this.accept('.'));
    return out;
  }

  private parsePointComponent(): AstProbePointComponent {
    const t = this.tok;
    if (!(t.kind === 'ident' || (t.kind === 'op' && t.text === '*'))) {
      this.fail(`expected a probe point such as begin, timer.s(1) or process("prog").function("f") but found ${this.describe(t)}.`);
    }
    // a name with wildcards is one word of adjacent pieces: `sys*`, `*abc*`, `a*b`
    let name = t.text;
    let end = t;
    this.pos++;
    for (;;) {
      const n = this.tok;
      const adjacent = n.loc.line === end.loc.line && n.loc.column === end.loc.column + end.text.length;
      if (!adjacent || !(n.kind === 'ident' || n.kind === 'number' || (n.kind === 'op' && n.text === '*'))) break;
      name += n.text;
      end = n;
      this.pos++;
    }
    const component: AstProbePointComponent = { name, loc: t.loc };
    if (this.accept('(')) {
      const negative = this.accept('-');
      const a = this.tok;
      if (a.kind === 'string' && !negative) {
        let value = a.value as string;
        this.pos++;
        // adjacent literals join here too: function("sys_" "open")
        while (this.tok.kind === 'string') value += this.tokens[this.pos++].value as string;
        component.arg = value;
      } else if (a.kind === 'number') {
        component.arg = BigInt.asIntN(64, negative ? -(a.value as bigint) : (a.value as bigint));
        this.pos++;
      } else this.fail(`a probe point's argument must be a "string" or a number; found ${this.describe(a)}.`);
      this.expect(')', "after the probe point's argument");
    }
    return component;
  }

  // ───────────── statements ─────────────

  private parseBlock(): AstStmt {
    const open = this.expect('{');
    const body: AstStmt[] = [];
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail("this block is never closed; add '}'.", open.loc);
      body.push(this.parseStatement());
    }
    this.pos++;
    return { kind: 'block', body, loc: open.loc };
  }

  private endSimple(): void {
    this.accept(';');
  }

  private parseStatement(): AstStmt {
    return this.nested(() => this.parseStatementHere());
  }

  private parseStatementHere(): AstStmt {
    const t = this.tok;
    const loc = t.loc;
    if (t.kind === 'op' && t.text === '{') return this.parseBlock();
    if (t.kind === 'op' && t.text === ';') {
      this.pos++;
      return { kind: 'empty', loc };
    }
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if': {
          this.pos++;
          this.expect('(', "after 'if'");
          const test = this.parseExpr();
          this.expect(')', "after the condition of 'if'");
          const then = this.parseStatement();
          const otherwise = this.accept('else') ? this.parseStatement() : undefined;
          return { kind: 'if', test, then, else: otherwise, loc };
        }
        case 'while': {
          this.pos++;
          this.expect('(', "after 'while'");
          const test = this.parseExpr();
          this.expect(')', "after the condition of 'while'");
          return { kind: 'while', test, body: this.parseStatement(), loc };
        }
        case 'for': {
          this.pos++;
          this.expect('(', "after 'for'");
          const init = this.is(';') ? undefined : this.parseExpr();
          this.expect(';', "after the initialisation of 'for'");
          const test = this.is(';') ? undefined : this.parseExpr();
          this.expect(';', "after the condition of 'for'");
          const step = this.is(')') ? undefined : this.parseExpr();
          this.expect(')', "to close 'for (...)'");
          return { kind: 'for', init, test, step, body: this.parseStatement(), loc };
        }
        case 'foreach':
          return this.parseForeach();
        case 'try': {
          this.pos++;
          if (!this.is('{')) this.fail(`expected '{' after 'try' but found ${this.describe(this.tok)}.`);
          const body = this.parseBlock();
          this.expect('catch', "after the 'try' block");
          let catchVar: { name: string; loc: SourceLoc } | undefined;
          if (this.accept('(')) {
            const v = this.ident('a variable name for the error message');
            catchVar = { name: v.text, loc: v.loc };
            this.expect(')', 'after the catch variable');
          }
          if (!this.is('{')) this.fail(`expected '{' after 'catch' but found ${this.describe(this.tok)}.`);
          return { kind: 'try', body, catchVar, handler: this.parseBlock(), loc };
        }
        case 'break':
        case 'continue':
        case 'next':
          this.pos++;
          this.endSimple();
          return { kind: t.text, loc };
        case 'return': {
          if (!this.inFunction) this.fail("'return' is only allowed in a function; use 'next' to leave a probe handler early.");
          this.pos++;
          // as SystemTap: a return without a value ends at ';' or '}'; anything else is its value
          // (so `return` then `if` on the next line is an error, not two statements)
          const value = this.is(';') || this.is('}') ? undefined : this.parseExpr();
          this.endSimple();
          return { kind: 'return', value, loc };
        }
        case 'delete': {
          this.pos++;
          const target = this.parseUnary();
          this.endSimple();
          return { kind: 'delete', target, loc };
        }
        case 'else':
          this.fail("'else' without a matching 'if'.");
          break;
        case 'global':
        case 'function':
        case 'probe':
          this.fail(`'${t.text}' can only appear at the top level of a script; is a '}' missing before it?`);
      }
    }
    const expr = this.parseExpr();
    this.endSimple();
    return statementOf(expr, loc);
  }

  private parseForeachKey(): ForeachKey {
    const t = this.ident('a variable name for the key');
    const key: ForeachKey = { name: t.text, loc: t.loc };
    if (this.accept('+')) key.sort = 'asc';
    else if (this.accept('-')) key.sort = 'desc';
    return key;
  }

  private parseForeach(): AstStmt {
    const loc = this.expect('foreach').loc;
    this.expect('(', "after 'foreach'");
    let value: ForeachKey | undefined;
    let keys: ForeachKey[];
    if (this.tok.kind === 'ident' && this.peek().text === '=') {
      value = this.parseForeachKey();
      this.expect('=');
    } else if (this.tok.kind === 'ident' && (this.peek().text === '+' || this.peek().text === '-') && this.peek(2).text === '=') {
      value = this.parseForeachKey();
      this.expect('=');
    }
    if (this.accept('[')) {
      keys = [this.parseForeachKey()];
      while (this.accept(',')) keys.push(this.parseForeachKey());
      this.expect(']', 'after the foreach keys');
    } else keys = [this.parseForeachKey()];
    this.expect('in', 'after the foreach keys');
    if (this.tok.kind === 'at' && (this.tok.text === '@hist_log' || this.tok.text === '@hist_linear')) return this.parseForeachBuckets(loc, value, keys);
    const array = this.ident('the name of the array to iterate');
    const slice = this.is('[') ? this.parseKeys('after the slice keys') : undefined;
    if (slice && slice.length !== keys.length) this.fail(`the slice names ${slice.length} key${slice.length === 1 ? '' : 's'} but this foreach takes ${keys.length}.`, array.loc);
    let valueSort: { direction: 'asc' | 'desc'; aggregate?: string } | undefined;
    let aggregate: string | undefined;
    if (this.tok.kind === 'at') {
      aggregate = this.tok.text.slice(1);
      if (!['count', 'sum', 'min', 'max', 'avg'].includes(aggregate)) this.fail(`foreach can sort statistics by @count, @sum, @min, @max or @avg, not ${this.tok.text}.`);
      this.pos++;
    }
    if (this.accept('+')) valueSort = { direction: 'asc', aggregate };
    else if (this.accept('-')) valueSort = { direction: 'desc', aggregate };
    else if (aggregate) this.fail(`after ${'@' + aggregate} write + or - for the sort order.`);
    let limit: AstExpr | undefined;
    if (this.accept('limit')) limit = this.parseExpr();
    this.expect(')', "to close 'foreach (...)'");
    if (value?.sort && valueSort) this.fail('sort either by the value variable or by the array, not both.', value.loc);
    if (value?.sort) valueSort = { direction: value.sort };
    const sortedKeys = keys.filter((k) => k.sort);
    if (sortedKeys.length > 1 || (sortedKeys.length && valueSort)) this.fail('foreach sorts by one thing only: one key or the value.', (sortedKeys[1] ?? sortedKeys[0]).loc);
    return { kind: 'foreach', value, keys, array: array.text, arrayLoc: array.loc, ...(slice && { slice }), valueSort, limit, body: this.parseStatement(), loc };
  }

  /** `foreach ([b] in @hist_log(x) limit N)`: the buckets of a histogram, in order. */
  private parseForeachBuckets(loc: SourceLoc, value: ForeachKey | undefined, keys: ForeachKey[]): AstStmt {
    const hist = this.parseAt();
    if (hist.kind !== 'aggregate') return this.fail('foreach visits the buckets of a histogram as in foreach (b in @hist_log(x)).', hist.loc);
    const stat = hist.operand;
    if (stat.kind !== 'name' && stat.kind !== 'index') return this.fail('a histogram is drawn from a statistic: a global, or an element of a global array.', stat.loc);
    const sorted = [value, ...keys].find((k) => k?.sort);
    if (sorted) this.fail("the buckets of a histogram are visited in order; they cannot be sorted.", sorted.loc);
    let limit: AstExpr | undefined;
    if (this.accept('limit')) limit = this.parseExpr();
    this.expect(')', "to close 'foreach (...)'");
    return { kind: 'foreach', value, keys, array: stat.name, arrayLoc: stat.loc, hist, limit, body: this.parseStatement(), loc };
  }

  // ───────────── expressions ─────────────

  parseExpr(): AstExpr {
    return this.nested(() => this.parseAssignment());
  }

  private parseAssignment(): AstExpr {
    const left = this.parseTernary();
    const t = this.tok;
    if (t.kind === 'op' && ASSIGN_OPS.has(t.text)) {
      this.pos++;
      const value = this.nested(() => this.parseAssignment());
      return { kind: 'assign', operator: t.text as AssignOp, target: left, value, loc: left.loc };
    }
    if (t.kind === 'op' && t.text === '<<<') {
      this.pos++;
      const value = this.nested(() => this.parseAssignment());
      return { kind: 'statsAdd', target: left, value, loc: left.loc };
    }
    return left;
  }

  private parseTernary(): AstExpr {
    const test = this.parseBinary(0);
    if (!this.is('?')) return test;
    const q = this.expect('?');
    const then = this.parseAssignment();
    this.expect(':', "in 'a ? b : c'");
    const otherwise = this.nested(() => this.parseTernary());
    return { kind: 'conditional', test, then, else: otherwise, loc: q.loc };
  }

  private parseBinary(level: number): AstExpr {
    if (level >= BINARY_LEVELS.length) return this.parseUnary();
    let left = this.parseBinary(level + 1);
    // A run of one associative operator is gathered and, when long, built balanced (nesting.ts)
    let run: { operator: string; operands: AstExpr[]; locs: SourceLoc[] } | undefined;
    const endRun = () => {
      if (!run) return;
      const { operator, operands, locs } = run;
      run = undefined;
      if (operands.length - 1 < BALANCE_FROM) {
        for (let i = 1; i < operands.length; i++) left = { kind: 'binary', operator, left, right: operands[i], loc: locs[i - 1] };
      } else {
        left = { kind: 'binary', operator, left, right: balancedChain(operator, operands.slice(1), locs.slice(1)), loc: locs[0] };
      }
    };
    for (;;) {
      const t = this.tok;
      if (!((t.kind === 'op' || t.kind === 'ident') && BINARY_LEVELS[level].includes(t.text))) {
        endRun();
        return left;
      }
      this.pos++;
      if (t.text === 'in') {
        endRun();
        const name = this.ident('an array name after in');
        left = { kind: 'in', keys: [left], name: name.text, nameLoc: name.loc, loc: left.loc };
        continue;
      }
      if (t.text === '=~' || t.text === '!~') {
        const pattern = this.tok;
        if (pattern.kind !== 'string') this.fail(`the right side of '${t.text}' must be a regular expression in a string literal, as in s =~ "^[0-9]+$".`);
        this.pos++;
        left = { kind: 'regex', operator: t.text, left, pattern: pattern.value as string, loc: t.loc };
        continue;
      }
      const right = this.parseBinary(level + 1);
      if (run && run.operator !== t.text) endRun();
      if (ASSOCIATIVE.has(t.text)) {
        run ??= { operator: t.text, operands: [left], locs: [] };
        run.operands.push(right);
        run.locs.push(t.loc);
        continue;
      }
      left = { kind: 'binary', operator: t.text, left, right, loc: t.loc };
    }
  }

  private parseUnary(): AstExpr {
    const t = this.tok;
    if (t.kind === 'op') {
      if (t.text === '-' || t.text === '+' || t.text === '!' || t.text === '~') {
        this.pos++;
        const operand = this.nested(() => this.parseUnary());
        if (t.text === '-' && operand.kind === 'number') return { kind: 'number', value: -operand.value, loc: t.loc };
        return { kind: 'unary', operator: t.text, operand, loc: t.loc };
      }
      if (t.text === '++' || t.text === '--') {
        this.pos++;
        const target = this.nested(() => this.parseUnary());
        return { kind: 'incdec', delta: t.text === '++' ? 1 : -1, prefix: true, target, loc: t.loc };
      }
      if (t.text === '&') {
        this.pos++;
        const operand = this.parsePostfix();
        if (operand.kind === 'target' && !operand.addressOf && !operand.pretty) return { ...operand, addressOf: true, loc: t.loc };
        // SystemTap's autocast `&x` of a typed value: parsed, refused by the checker
        return { kind: 'unsupported', what: "'&' of something other than a target variable", operands: [operand], loc: t.loc };
      }
    }
    return this.parsePostfix();
  }

  private parsePostfix(): AstExpr {
    let e = this.parsePrimary();
    // `->member` and `[index]` after something that is not a target variable: an autocast
    while (this.is('->') || this.is('$') || this.is('$$') || (this.is('[') && e.kind !== 'slice' && e.kind !== 'target')) {
      const t = this.tok;
      this.pos++;
      if (t.text === '$' || t.text === '$$') {
        e = { kind: 'unsupported', what: `'${t.text}' pretty-printing of something other than a target variable (SystemTap's autocast)`, operands: [e], loc: t.loc };
        continue;
      }
      if (t.text === '->') {
        const m = this.tok;
        if (m.kind !== 'ident') this.fail(`expected a member name after -> but found ${this.describe(m)}.`);
        this.pos++;
      } else {
        this.parseExpr();
        this.expect(']', 'after the subscript');
      }
      e = { kind: 'unsupported', what: `'${t.text === '->' ? '->' : '[...]'}' on something other than a target variable (SystemTap's autocast)`, operands: [e], loc: t.loc };
    }
    while (this.tok.kind === 'op' && (this.tok.text === '++' || this.tok.text === '--')) {
      const t = this.tok;
      this.pos++;
      e = { kind: 'incdec', delta: t.text === '++' ? 1 : -1, prefix: false, target: e, loc: e.loc };
    }
    return e;
  }

  /** `[k1, k2]` where a key may be `*` (any value, as `null`): array keys and slices. */
  private parseKeys(what: string): Array<AstExpr | null> {
    this.expect('[');
    const keys: Array<AstExpr | null> = [];
    if (this.is(']')) this.fail('an array needs at least one key between [ and ].');
    do {
      if (this.is('*') && (this.peek().text === ',' || this.peek().text === ']')) {
        this.pos++;
        keys.push(null);
      } else keys.push(this.parseExpr());
    } while (this.accept(','));
    this.expect(']', what);
    return keys;
  }

  private parseArgs(): AstExpr[] {
    this.expect('(');
    const args: AstExpr[] = [];
    if (!this.is(')')) {
      do args.push(this.parseExpr());
      while (this.accept(','));
    }
    this.expect(')', 'to close the argument list');
    return args;
  }

  private parsePrimary(): AstExpr {
    const t = this.tok;
    const loc = t.loc;
    switch (t.kind) {
      case 'embedded':
        this.needGuru(EMBEDDED_C, loc);
        this.pos++;
        return { kind: 'embedded', loc };
      case 'number':
        this.pos++;
        return { kind: 'number', value: t.value as bigint, loc };
      case 'string': {
        this.pos++;
        let value = t.value as string;
        // adjacent string literals join, as in C
        while (this.tok.kind === 'string') value += this.tokens[this.pos++].value as string;
        return { kind: 'string', value, loc };
      }
      case 'target':
        return this.parseTarget();
      case 'at':
        return this.parseAt();
      case 'ident': {
        if (KEYWORDS.has(t.text)) this.fail(`'${t.text}' cannot be used here: it is a keyword.`);
        this.pos++;
        if (this.is('(')) {
          const args = this.parseArgs();
          if (t.text === 'printd' || t.text === 'printdln') {
            // as in SystemTap, the print family is checked by the parser
            if (args.length === 0 || args[0].kind !== 'string') this.fail(`${t.text} takes a delimiter string literal first, as in ${t.text}(", ", a, b).`, loc);
            if (args.length < 3) this.fail(`${t.text} joins two or more values after its delimiter.`, loc);
          }
          return { kind: 'call', name: t.text, args, loc };
        }
        if (this.is('[')) {
          const keys = this.parseKeys('after the array keys');
          if (keys.some((k) => k === null)) return { kind: 'slice', name: t.text, nameLoc: loc, keys, loc };
          return { kind: 'index', name: t.text, nameLoc: loc, keys: keys as AstExpr[], loc };
        }
        return { kind: 'name', name: t.text, loc };
      }
      case 'op':
        if (t.text === '(') {
          this.pos++;
          const inner = this.parseExpr();
          this.expect(')', 'to close the parenthesis');
          return inner;
        }
        if (t.text === '[') {
          const keys = this.parseKeys('after the keys');
          this.expect('in', "after '[keys]' (as in [k] in array)");
          const name = this.ident('an array name after in');
          return { kind: 'in', keys, name: name.text, nameLoc: name.loc, loc };
        }
        break;
    }
    return this.fail(`expected an expression but found ${this.describe(t)}.`);
  }

  private parseTarget(): AstExpr {
    const t = this.tok;
    this.pos++;
    return this.targetPath(t.text.slice(1), t.pretty, t.loc);
  }

  /** The `->member` and `[index]` steps after a target variable. */
  private targetPath(name: string, pretty: '$' | '$$' | undefined, loc: SourceLoc, bare = false): AstExpr {
    const path: AstTargetStep[] = [];
    for (;;) {
      if (this.accept('->')) {
        const m = this.tok;
        if (m.kind !== 'ident') this.fail(`expected a member name after -> but found ${this.describe(m)}.`);
        this.pos++;
        path.push({ kind: 'member', name: m.text });
      } else if (this.is('[') ) {
        this.pos++;
        path.push({ kind: 'index', index: this.parseExpr() });
        this.expect(']', 'after the subscript');
      } else break;
    }
    // `$p$` is one token; after a path, or after @var(...)/@cast(...) (`bare`), the suffix is its own
    if (!pretty && (path.length || bare) && this.tok.kind === 'op' && (this.tok.text === '$' || this.tok.text === '$$')) pretty = this.tokens[this.pos++].text as '$' | '$$';
    return { kind: 'target', name, path, pretty, loc };
  }

  private parseAt(): AstExpr {
    const t = this.tok;
    const fn = t.text.slice(1);
    this.pos++;
    switch (fn) {
      case 'count':
      case 'sum':
      case 'min':
      case 'max':
      case 'avg':
      case 'hist_log':
      case 'hist_linear':
      case 'variance': {
        const args = this.parseArgs();
        if (args.length === 0) this.fail(`@${fn} needs a statistic, as in @${fn}(x).`, t.loc);
        const expected = fn === 'hist_linear' ? 4 : fn === 'variance' && args.length === 2 ? 2 : 1;
        if (args.length !== expected) this.fail(`@${fn} takes ${expected === 1 ? 'one argument' : `${expected} arguments (statistic, low, high, step)`}, not ${args.length}.`, t.loc);
        const aggregate: AstExpr = { kind: 'aggregate', fn, operand: args[0], args: args.slice(1), loc: t.loc };
        if (fn.startsWith('hist_') && this.accept('[')) {
          const bucket = this.parseExpr();
          this.expect(']', 'after the bucket number');
          return { kind: 'histBucket', hist: aggregate, bucket, loc: t.loc };
        }
        return aggregate;
      }
      case 'entry': {
        const args = this.parseArgs();
        if (args.length !== 1) this.fail('@entry takes one target expression, as in @entry($n).', t.loc);
        return { kind: 'entry', operand: args[0], loc: t.loc };
      }
      case 'var': {
        // @var("name") or @var("name@file.c"): the variable `name` where the probe is, as $name
        const args = this.parseArgs();
        if (args.length < 1 || args.length > 2 || args[0].kind !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(@.*)?$/.test(args[0].value)) {
          this.fail('@var takes a variable name in a string literal, as in @var("count") or @var("count@main.c").', t.loc);
        }
        if (args.length === 2 && args[1].kind !== 'string') this.fail('@var takes the module (binary) as a string literal, as in @var("count@main.c", "/usr/bin/prog").', args[1].loc);
        const [name, unit] = (args[0] as { value: string }).value.split('@', 2);
        const module = args.length === 2 ? (args[1] as { value: string }).value : undefined;
        const target = this.targetPath(name, undefined, t.loc, true) as Extract<AstExpr, { kind: 'target' }>;
        return unit === undefined && module === undefined ? target : { ...target, scope: { ...(unit !== undefined && { unit }), ...(module !== undefined && { module }) } };
      }
      case 'uderef': {
        // @uderef(SIZE, addr): SIZE (1, 2, 4, 8) bytes of the traced process's memory, unsigned
        const args = this.parseArgs();
        const size = args.length === 2 && args[0].kind === 'number' ? Number(args[0].value) : 0;
        if (![1, 2, 4, 8].includes(size)) this.fail('@uderef takes a size of 1, 2, 4 or 8 bytes and an address, as in @uderef(4, $p).', t.loc);
        return { kind: 'call', name: `user_uint${size * 8}`, args: [args[1]], loc: t.loc };
      }
      case 'cast': {
        // @cast(address, "struct T"[, "module"]): the T at address, followed like a $pointer
        const args = this.parseArgs();
        if (args.length < 2 || args.length > 3 || args[1].kind !== 'string' || (args.length === 3 && args[2].kind !== 'string')) {
          this.fail('@cast takes an address, a type name and optionally a module, the last two as string literals: @cast(p, "struct node", "/usr/bin/prog").', t.loc);
        }
        const type = (args[1] as { value: string }).value;
        const module = args.length === 3 ? (args[2] as { value: string }).value : undefined;
        const target = this.targetPath('@cast', undefined, t.loc, true) as Extract<AstExpr, { kind: 'target' }>;
        return { ...target, cast: { address: args[0], type, ...(module !== undefined && { module }) } };
      }
      case 'defined': {
        const args = this.parseArgs();
        if (args.length !== 1) this.fail('@defined takes one expression, as in @defined($var).', t.loc);
        return { kind: 'defined', operand: args[0], loc: t.loc };
      }
      default:
        if (this.is('(') && AT_OPERATORS.has(fn)) {
          if (GURU_AT_OPERATORS.has(fn)) this.needGuru(`${t.text} reads kernel memory or registers: it needs guru mode in SystemTap, and utap does not support it.`, t.loc);
          const operands = this.parseArgs();
          if (fn === 'perf' && (operands.length !== 1 || operands[0].kind !== 'string' || operands[0].value === '')) this.fail('@perf takes the name of a perf counter in a string literal.', t.loc);
          return { kind: 'unsupported', what: t.text, operands, loc: t.loc };
        }
        return this.fail(`${t.text} is not something utap knows: no macro of that name is defined, and the @ forms are @count @sum @min @max @avg @hist_log @hist_linear @entry @defined and script arguments @1, @2, ...`, t.loc);
    }
  }
}

/**
 * An expression used as a statement. `c ? a : b` there is `if (c) a else b`, as SystemTap lets
 * its sides be calls that give no value (`x ? printf("y") : printf("n")`).
 */
function statementOf(expr: AstExpr, loc: SourceLoc): AstStmt {
  if (expr.kind !== 'conditional') return { kind: 'expr', expr, loc };
  return { kind: 'if', test: expr.test, then: statementOf(expr.then, expr.then.loc), else: statementOf(expr.else, expr.else.loc), loc };
}

export function parse(tokens: Token[], file: string, diag: Diagnostics, guru = false): AstFile {
  const ast = new Parser(tokens, file, diag, guru).parseFile();
  checkDepth(ast, diag);
  return ast;
}
