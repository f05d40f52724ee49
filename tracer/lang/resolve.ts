// Pass 1 of the checker, names: collects the script's globals, functions and probe aliases,
// takes in the tapset files that define names the script uses but does not define (as
// SystemTap does, whole files, repeatedly, since a tapset may use another), expands probe
// aliases into concrete points with their prologue/epilogue bodies, and declares the globals
// SystemTap would require but utap implies from their use (subscripts, `<<<`, aggregates, `in`,
// foreach). Produces the symbol tables (symbols.ts); types are the next pass's job.
import { BUILTINS } from '../ir/ir';
import type { AstAlias, AstFile, AstProbe, AstProbePoint, AstStmt } from './ast';
import { visitAst } from './ast-walk';
import { desugarOverloads } from './overloads';
import { CLOCK_FUNCTIONS, CONTEXT_FUNCTIONS, STATEMENT_BUILTINS } from './builtins';
import type { Diagnostics } from './diagnostic';
import { isBuiltinName, newScope, pointText, where, type FunctionSym, type GlobalSym, type LocalSym, type PlannedProbe, type Resolved, type Scope } from './symbols';
import { builtinPointProblem, processPointProblem } from './probe-point-shapes';
import type { TapsetLibrary } from './tapsets';
import type { SourceLoc } from '../ir/ir';
import type { AstExpr } from './ast';

/** How many probe points one alias may expand to (nested aliases multiply). */
const MAX_ALIAS_EXPANSION = 10_000;

/** The first component of every probe point utap runs itself (anything else is an alias). */
export const PROBE_KINDS = new Set(['begin', 'end', 'error', 'timer', 'process', 'never']);
const KERNEL_KINDS = new Set(['kernel', 'module', 'syscall', 'kprobe', 'nd_syscall', 'tp_syscall', 'kernel_syscall', 'netfilter', 'perf', 'hwbkpt', 'procfs', 'java', 'python2', 'python3']);

interface Expansion {
  points: AstProbePoint[];
  prologue: AstStmt[];
  epilogue: AstStmt[];
  conditions: AstExpr[];
}

/** `hasTarget`: -p or -c gives the process a `process` point without a path means (false: none; undefined: not known). */
export function resolveNames(script: AstFile, tapsets: TapsetLibrary, diag: Diagnostics, hasTarget?: boolean): Resolved {
  return new Resolver(tapsets, diag, hasTarget).run(script);
}

class Resolver {
  private readonly globals = new Map<string, GlobalSym>();
  private readonly functions = new Map<string, FunctionSym>();
  private readonly aliases = new Map<string, AstAlias[]>();
  private readonly files: AstFile[] = [];

  constructor(
    private readonly tapsets: TapsetLibrary,
    private readonly diag: Diagnostics,
    private readonly hasTarget?: boolean,
  ) {}

  run(script: AstFile): Resolved {
    this.addFile(script);
    this.pullTapsets();
    this.registerOverloads();
    const probes: PlannedProbe[] = [];
    for (const f of this.files) {
      for (const p of f.probes) {
        this.diag.collect(() => {
          probes.push(...this.expandProbe(p));
        });
      }
    }
    this.implyGlobals(probes);
    return { globals: this.globals, functions: this.functions, probes };
  }

  private addFile(file: AstFile): void {
    this.files.push(file);
    for (const loc of file.embedded) this.diag.report(loc, 'embedded C (%{ ... %}) is not supported by utap: scripts cannot run C code inside the traced process.');
    for (const g of file.globals) {
      const existing = this.globals.get(g.name);
      if (existing) {
        this.diag.report(g.loc, `the global '${g.name}' is already declared at ${where(existing.loc)}.`);
        continue;
      }
      this.globals.set(g.name, {
        name: g.name,
        index: this.globals.size,
        loc: g.loc,
        size: g.size,
        init: g.init,
        shape: g.size !== undefined ? 'array' : g.init !== undefined ? 'scalar' : undefined,
        type: g.init === undefined ? undefined : typeof g.init === 'string' ? 'string' : 'long',
        tapset: this.files.length > 1,
      });
    }
    this.addFunctions(file.functions);
    for (const a of file.aliases) {
      for (const n of a.names) {
        const name = n.join('.');
        // as in SystemTap, a name may be defined several times: it stands for all the definitions
        const list = this.aliases.get(name) ?? [];
        list.push(a);
        this.aliases.set(name, list);
      }
    }
  }

  private addFunctions(functions: AstFile['functions']): void {
    for (const f of functions) {
      // a second function of a name is an overload (overloads.ts renames them apart once every file is in)
      if (this.functions.has(f.name)) continue;
      if (f.name in BUILTINS || f.name in CONTEXT_FUNCTIONS || f.name in CLOCK_FUNCTIONS || STATEMENT_BUILTINS.has(f.name)) {
        this.diag.report(f.loc, `'${f.name}' is a builtin function; give your function another name.`);
        continue;
      }
      if (f.embedded) this.diag.report(f.embedded, `function '${f.name}' is written in embedded C (%{ ... %}), which utap cannot run.`);
      const scope = newScope(false);
      const params = f.params.map((p) => {
        const sym: LocalSym = { name: p.name, slot: scope.list.length, type: p.type };
        scope.locals.set(p.name, sym);
        scope.list.push(sym);
        return sym;
      });
      const sym: FunctionSym = { ast: f, index: this.functions.size, params, returnType: f.returnType, returnsValue: false, scope };
      scope.fn = sym;
      this.functions.set(f.name, sym);
    }
  }

  /** Renames overloaded functions apart and rewrites `next` in functions (overloads.ts), then registers them all again. */
  private registerOverloads(): void {
    for (const { call, arities } of desugarOverloads(this.files)) {
      this.diag.report(call.loc, `no function '${call.name}' takes ${call.args.length} argument${call.args.length === 1 ? '' : 's'}; its overloads take ${arities.join(' or ')}.`);
    }
    this.functions.clear();
    for (const file of this.files) this.addFunctions(file.functions);
  }

  /** Takes in tapset files for every function, alias and global the program uses but does not define. */
  private pullTapsets(): void {
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files[i];
      const wanted: Array<() => AstFile | undefined> = [];
      const pointsOf = [...file.probes.flatMap((p) => p.points), ...file.aliases.flatMap((a) => a.points)];
      for (const point of pointsOf) {
        const name = point.components.map((c) => c.name).join('.');
        if (!PROBE_KINDS.has(point.components[0].name) && !this.aliases.has(name)) wanted.push(() => this.tapsets.takeAlias(name));
      }
      const bodies = [...file.probes.map((p) => p.body), ...file.functions.map((f) => f.body), ...file.aliases.map((a) => a.body)];
      for (const body of bodies) {
        visitAst(body, (e) => {
          if (e.kind === 'call' && !this.functions.has(e.name) && !isBuiltinName(e.name)) wanted.push(() => this.tapsets.takeFunction(e.name));
          if ((e.kind === 'name' || e.kind === 'index') && !this.globals.has(e.name)) wanted.push(() => this.tapsets.takeGlobal(e.name));
        });
      }
      for (const take of wanted) {
        const taken = take();
        if (taken) this.addFile(taken);
      }
    }
  }

  private expandProbe(p: AstProbe): PlannedProbe[] {
    const direct: AstProbePoint[] = [];
    const out: PlannedProbe[] = [];
    const conditionsOf = (point: AstProbePoint) => (point.condition ? [point.condition] : []);
    for (const point of p.points) {
      for (const e of this.expandPoint(point, 0, point.optional)) {
        const conditions = [...e.conditions, ...conditionsOf(point)];
        if (e.prologue.length === 0 && e.epilogue.length === 0 && conditions.length === 0) direct.push(...e.points);
        else out.push(planned(e.points, [...e.prologue, p.body, ...e.epilogue], conditions, p.loc));
      }
    }
    if (direct.length) out.unshift(planned(direct, [p.body], [], p.loc));
    return out;
  }

  /** A point with its aliases expanded: groups of concrete points sharing alias bodies. */
  private expandPoint(point: AstProbePoint, depth: number, optional: boolean): Expansion[] {
    const first = point.components[0];
    optional ||= point.optional;
    if (KERNEL_KINDS.has(first.name)) {
      // an optional point that cannot exist here is dropped, as SystemTap drops one that resolves to nothing
      if (optional) return [];
      this.diag.error(point.loc, `'${first.name}' probes are kernel probes; utap traces user processes (process(...) probes, begin, end, error, timer).`);
    }
    if (PROBE_KINDS.has(first.name)) {
      const problem = first.name === 'process' ? processPointProblem(point) : builtinPointProblem(point);
      if (problem) this.diag.error(point.loc, problem);
      if (first.name === 'process' && first.arg === undefined && this.hasTarget === false && !optional) {
        this.diag.error(point.loc, `'${pointText(point)}' without a path means the traced process, and there is none; give -p PID or -c CMD, or name the program: process("PATH")...`);
      }
      return [{ points: [point], prologue: [], epilogue: [], conditions: [] }];
    }
    const name = point.components.map((c) => c.name).join('.');
    if (/[*?[]/.test(name) && point.components.every((c) => c.arg === undefined)) {
      // a wildcard point stands for every alias it matches
      const out: Expansion[] = [];
      for (const aliasName of this.aliases.keys()) {
        const parts = aliasName.split('.');
        if (parts.length !== point.components.length || !parts.every((part, i) => globMatches(point.components[i].name, part))) continue;
        const concrete = { ...point, components: parts.map((n, i) => ({ name: n, loc: point.components[i].loc })) };
        out.push(...this.expandPoint(concrete, depth + 1, optional));
      }
      // with no alias of that shape, the wildcard may apply to a suffix of a shorter alias
      if (out.length === 0) out.push(...this.suffixExpansion(point, depth, optional));
      if (out.length === 0 && !optional) this.diag.error(point.loc, `the probe point '${pointText(point)}' matches no probe alias.`);
      return out;
    }
    if (depth > 20) this.diag.error(point.loc, `the probe alias '${name}' refers to itself.`);
    const aliases = point.components.every((c) => c.arg === undefined) ? this.aliases.get(name) : undefined;
    if (!aliases) {
      const suffixed = this.suffixExpansion(point, depth, optional);
      if (suffixed.length || optional) return suffixed;
      this.diag.error(point.loc, `unknown probe point '${pointText(point)}'; utap knows begin, end, error, timer.s/ms/us/ns/hz(N), process("PATH").function("NAME")[.call|.return], .statement(...), .library(...) and aliases defined in tapsets.`);
    }
    return this.expandAliases(aliases!, point, [], depth, optional);
  }

  /**
   * Alias suffixes, as in SystemTap: `A.rest` where `A` is an alias (and `A.rest` is not) is
   * every point of `A` with `.rest` appended (`probe f = process("p").function("f") {}` then
   * `probe f.return`). The longest alias prefix wins.
   */
  private suffixExpansion(point: AstProbePoint, depth: number, optional: boolean): Expansion[] {
    for (let k = point.components.length - 1; k >= 1; k--) {
      const prefix = point.components.slice(0, k);
      if (prefix.some((c) => c.arg !== undefined || /[*?[]/.test(c.name))) continue;
      const aliases = this.aliases.get(prefix.map((c) => c.name).join('.'));
      if (!aliases) continue;
      const out = this.expandAliases(aliases, point, point.components.slice(k), depth, true);
      if (out.length || !optional) return out;
    }
    return [];
  }

  /** The points of `aliases` (with `suffix` appended to each), with their bodies around. */
  private expandAliases(aliases: AstAlias[], point: AstProbePoint, suffix: AstProbePoint['components'], depth: number, optional: boolean): Expansion[] {
    const out: Expansion[] = [];
    for (const alias of aliases) {
      for (const aliasPoint of alias.points) {
        const p = suffix.length ? { ...aliasPoint, components: [...aliasPoint.components, ...suffix] } : aliasPoint;
        for (const inner of this.expandPoint(p, depth + 1, optional)) {
          // aliases naming aliases multiply: 20 levels of two points each would be a million probes
          if (out.length >= MAX_ALIAS_EXPANSION) {
            this.diag.error(point.loc, `the probe alias '${point.components.map((c) => c.name).join('.')}' expands to more than ${MAX_ALIAS_EXPANSION} probe points through the aliases it names; utap allows ${MAX_ALIAS_EXPANSION}.`);
            return out;
          }
          const points = inner.points.map((ip) => ({ ...ip, optional: ip.optional || point.optional }));
          out.push({
            points,
            prologue: alias.epilogue ? inner.prologue : [...inner.prologue, alias.body],
            epilogue: alias.epilogue ? [alias.body, ...inner.epilogue] : inner.epilogue,
            conditions: [...inner.conditions, ...(p.condition ? [p.condition] : [])],
          });
        }
      }
    }
    return out;
  }

  /**
   * Names used with subscripts, `<<<`, aggregates, `in`, foreach or delete-of-element are
   * globals. utap implies the declaration SystemTap requires when the name is shared by several
   * probes or functions (the lecture's script writes `entry[tid()]` in one probe and reads it in
   * another) or only written (`c[$$name]++`, printed at exit); one written and read in a single
   * body only would be a local array, which SystemTap has not, so that is refused as there.
   */
  private implyGlobals(probes: PlannedProbe[]): void {
    const uses = new Map<string, { loc: SourceLoc; units: Set<unknown>; read: boolean }>();
    const use = (name: string, loc: SourceLoc, unit: unknown, read: boolean) => {
      if (this.globals.has(name)) return;
      const u = uses.get(name) ?? { loc, units: new Set(), read: false };
      u.units.add(unit);
      u.read ||= read;
      uses.set(name, u);
    };
    const units: Array<[unknown, AstStmt[]]> = [
      // every expansion of one probe (through aliases) shares the location of what the user wrote
      ...probes.map((p): [unknown, AstStmt[]] => [p.loc, p.bodies]),
      ...[...this.functions.values()].map((f): [unknown, AstStmt[]] => [f, [f.ast.body]]),
    ];
    for (const [unit, bodies] of units) {
      const written = new Set<AstExpr>();
      for (const body of bodies) {
        visitAst(
          body,
          (e) => {
            if (e.kind === 'assign' || e.kind === 'incdec') written.add(e.target);
            if (e.kind === 'index' || e.kind === 'in') use(e.name, e.loc, unit, !written.has(e));
            else if (e.kind === 'statsAdd' && e.target.kind === 'name') use(e.target.name, e.target.loc, unit, false);
            else if (e.kind === 'aggregate' && e.operand.kind === 'name') use(e.operand.name, e.operand.loc, unit, true);
          },
          (s) => {
            if (s.kind === 'delete') written.add(s.target);
            if (s.kind === 'foreach') use(s.array, s.arrayLoc, unit, true);
          },
        );
      }
    }
    for (const [name, u] of uses) {
      if (u.units.size < 2 && u.read) {
        this.diag.report(u.loc, `'${name}' is used as an array or statistic but never declared: SystemTap has no local arrays; declare it with 'global ${name}'.`);
        continue;
      }
      this.globals.set(name, { name, index: this.globals.size, loc: u.loc });
    }
  }
}

function planned(points: AstProbePoint[], bodies: AstStmt[], conditions: AstExpr[], loc: SourceLoc): PlannedProbe {
  const targetVars = points.some((pt) => pt.components[0].name === 'process');
  const returnProbe = points.some((pt) => pt.components.some((c) => c.name === 'return'));
  const scope = newScope(targetVars, returnProbe);
  const kinds = new Set(points.filter((pt) => pt.components[0].name === 'process').map(contextVarsOf));
  if (kinds.size === 1) scope.contextVars = [...kinds][0];
  return { points, bodies, conditions, loc, scope };
}

/** What `$vars` a process point offers (see Scope.contextVars). */
function contextVarsOf(point: AstProbePoint): Scope['contextVars'] {
  const names = point.components.map((c) => c.name);
  if (names.includes('syscall')) return names.includes('return') ? 'syscallReturn' : 'syscall';
  if (names.includes('plt')) return 'plt';
  if (names.includes('function') || names.includes('statement') || names.includes('mark')) return undefined;
  if (names.includes('begin') || names.includes('end')) return 'none';
  return undefined;
}

/** A probe point name with `*`, `?` and `[...]` wildcards against a name. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}
