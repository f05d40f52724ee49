// The handler IR: the contract between the language front end, the planner, the userspace
// runtime (the reference semantics) and the eBPF code generator in tracer/bpf-codegen/.
//
// This module is a leaf: plain data types and `as const` tables only, no imports, no functions
// with behaviour.
//
// Shape of a run:
//   front end  → ProgramIR   (handlers still hold `target` nodes: `$query`, `$p->x`, `$return`)
//   planner    → PlanIR      (one ProbeSiteIR per concrete location; every `target` node lowered
//                             to `reg` / `userRead` / `entry` nodes for that pc)
//   engines    → execute PlanIR: the userspace runtime compiles handlers to JavaScript
//                (runtime/handler-compiler.ts); the uprobe engine compiles site handlers to eBPF,
//                or runs them in event mode with `captured` nodes.
//
// Conventions:
// - String literals (`string` nodes, scalar initializers, format text) hold bytes, one char per
//   byte (latin1): the script's UTF-8 text as its bytes, `\200` as the single byte 0x80.
// - Every script value is a 64-bit signed long (bigint, two's-complement wrap-around) or a string
//   (at most limits.maxStringLen bytes, truncated, as SystemTap does). Statistics and arrays are
//   only ever globals.
// - Locals (probe/function locals, function parameters, foreach key and value variables) are
//   slots numbered per handler or function; they start as 0 / "" on each run of the handler.
// - Globals are numbered program-wide (`GlobalDecl.index`).
// - Every node carries `loc` so a runtime error, a verifier rejection or a trace can name the
//   script line that produced it.

export type ScalarType = 'long' | 'string';
/** An expression's type; `void` only for calls of functions/builtins that return nothing. */
export type ExprType = ScalarType | 'void';

/** 1-based line and column in a script or tapset file. */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

// ────────────────────────────── program ──────────────────────────────

export interface ProgramIR {
  globals: GlobalDecl[];
  functions: FunctionIR[];
  /** Probes as written (aliases expanded, alias bodies prepended). Handlers may hold `target` nodes. */
  probes: ProbeIR[];
  /** printf/sprintf formats, parsed once; `printf`/`sprintf` nodes and ring-buffer records refer to them by index. */
  formats: FormatIR[];
  limits: Limits;
  /** `-g`: handlers may write target state. Without it the checker rejects any write. */
  guru: boolean;
  /** Text of every file that contributed code, so errors can print the offending line. */
  sources: Record<string, string>;
}

/** SystemTap's limits, settable with -D NAME=VALUE. */
export interface Limits {
  /**
   * MAXSTRINGLEN: size of a string buffer in bytes *including* its terminating NUL, as in
   * SystemTap; a string value holds at most maxStringLen - 1 bytes (longer results, user_string
   * reads included, are cut there).
   */
  maxStringLen: number;
  /** MAXMAPENTRIES: default capacity of a global array (a declaration `global a[N]` overrides it). */
  maxMapEntries: number;
  /** MAXACTION: statements one handler run may execute before it is a runtime error. */
  maxAction: number;
  /** MAXNESTING: deepest chain of function calls. */
  maxNesting: number;
  /** Any other -D NAME=VALUE given, for engines that honour more knobs (e.g. MAXACTION_INTERRUPTIBLE). */
  extra: Record<string, string>;
}

/** SystemTap's defaults on 64-bit machines (runtime_defines.h). */
export const DEFAULT_LIMITS = {
  maxStringLen: 512,
  maxMapEntries: 2048,
  maxAction: 1000,
  maxNesting: 10,
} as const;

export type HistSpec = { kind: 'log' } | { kind: 'linear'; low: bigint; high: bigint; step: bigint };

/** Which aggregates a statistics value is ever read with; lets an engine keep only those. */
export interface StatsUse {
  count: boolean;
  sum: boolean;
  min: boolean;
  max: boolean;
  avg: boolean;
  hist: HistSpec[];
  /** Read with @variance; `varianceShift` is its N in `@variance(x, N)` (default 0). */
  variance?: boolean;
  varianceShift?: number;
}

export type GlobalDecl = (
  | { kind: 'scalar'; index: number; name: string; type: ScalarType; init?: bigint | string; loc: SourceLoc }
  | { kind: 'stats'; index: number; name: string; stats: StatsUse; loc: SourceLoc }
  | {
      kind: 'array';
      index: number;
      name: string;
      keyTypes: ScalarType[];
      /** Element type; 'stats' for arrays fed with `<<<`. */
      value: ScalarType | 'stats';
      stats?: StatsUse;
      /** Capacity: the declared size, else limits.maxMapEntries. Inserting past it is a runtime error. */
      maxEntries: number;
      loc: SourceLoc;
    }
) & {
  /** Declared in a tapset file rather than the script (never printed at exit when unread). */
  tapset?: boolean;
};

export interface LocalDecl {
  name: string;
  type: ScalarType;
}

export interface FunctionIR {
  index: number;
  name: string;
  /** Parameters occupy local slots 0..params.length-1. */
  params: LocalDecl[];
  /** All locals, parameters first. */
  locals: LocalDecl[];
  returnType: ExprType;
  body: Stmt;
  /** True when the function can reach itself through calls (eBPF cannot inline it). */
  recursive: boolean;
  loc: SourceLoc;
}

// ────────────────────────────── probes ──────────────────────────────

/** One probe point as written, e.g. process("psql").function("SendQuery").return */
export interface ProbePointIR {
  /** Canonical text, e.g. `process("psql").function("SendQuery").return` */
  text: string;
  components: ProbePointComponent[];
  /** Ends in `?`: no match is not an error. */
  optional: boolean;
  loc: SourceLoc;
}

export interface ProbePointComponent {
  /** `process`, `function`, `statement`, `library`, `return`, `call`, `begin`, `end`, `error`, `timer`, `s`, `ms`, ... */
  name: string;
  /** The parenthesised argument, if any: a string literal or a number. */
  arg?: string | bigint;
}

/** A probe definition: the points it fires at and the one handler they share. */
export interface ProbeIR {
  index: number;
  points: ProbePointIR[];
  handler: HandlerIR;
  loc: SourceLoc;
}

/** The code run on one hit: its locals and body. */
export interface HandlerIR {
  locals: LocalDecl[];
  body: Stmt;
}

// ────────────────────────────── the plan ──────────────────────────────

/** What an engine executes: the program plus every probe resolved to concrete places and times. */
export interface PlanIR {
  program: ProgramIR;
  begin: PlannedHandler[];
  end: PlannedHandler[];
  error: PlannedHandler[];
  timers: TimerProbeIR[];
  sites: ProbeSiteIR[];
  /** `process[("PATH")].begin/.end/.thread.begin/.thread.end` (absent: none). */
  lifecycle?: LifecycleProbeIR[];
}

/** A process or thread starting or ending: where the handler runs is the engine's choice. */
export type LifecycleEvent = 'begin' | 'end' | 'thread.begin' | 'thread.end';

/**
 * A lifecycle probe, as in SystemTap: `begin` when a process starts running `program` (forked
 * by one that runs it, exec'd into it, or running it when utap attached), `end` when it stops
 * (exits, or execs another program); `thread.*` for the threads other than the main one.
 */
export interface LifecycleProbeIR extends PlannedHandler {
  /** Unique among the plan's site ids: engines run it with Session.hit(id, ctx). */
  id: number;
  event: LifecycleEvent;
  /** Absolute path of the program; undefined: every traced process (bare `process.begin`). */
  program?: string;
}

export interface PlannedHandler {
  /** Index of the ProbeIR it came from. */
  probe: number;
  /** Canonical text of the probe point that fires it (what `pp()` returns). */
  pp: string;
  handler: HandlerIR;
  needs: HandlerNeeds;
}

export interface TimerProbeIR extends PlannedHandler {
  periodNs: bigint;
  /** `.randomize(M)`: each interval is drawn from periodNs ± randomizeNs. */
  randomizeNs?: bigint;
}

/**
 * `syscall` / `syscallReturn`: a process's system calls (`process(...).syscall[.return]`), not an
 * address: `binary` is the program whose processes it fires in, `vaddr`/`fileOffset` are 0.
 */
export type SiteKind = 'entry' | 'return' | 'statement' | 'syscall' | 'syscallReturn';

/** A probe resolved to one address in one binary, with its handler lowered for that pc. */
export interface ProbeSiteIR extends PlannedHandler {
  id: number;
  kind: SiteKind;
  /** Absolute path of the ELF file holding the code (executable or shared library). */
  binary: string;
  buildId?: string;
  /** Link-time virtual address of the probed instruction. */
  vaddr: bigint;
  /** File offset of that instruction: what the uprobe PMU and a breakpoint in a PIE need. */
  fileOffset: bigint;
  /** Function containing the site, for probefunc()/ppfunc(). */
  function: string;
  /**
   * For `return` sites: expressions evaluated at the function's entry on the same thread, whose
   * values the handler reads back with `entry` nodes (`$param` in a .return probe, `@entry(...)`).
   * Empty otherwise.
   */
  entryCaptures: Expr[];
  /**
   * An SDT marker site whose marker has a semaphore: the 2-byte counter the program tests before
   * computing the marker's arguments. An engine raises it while the site is attached and lowers
   * it after (uprobe PMU: its ref_ctr_offset; ptrace: a write into the target).
   */
  semaphore?: SemaphoreIR;
}

/** Where an SDT semaphore lives in `ProbeSiteIR.binary`. */
export interface SemaphoreIR {
  /** Link-time address (plus the binary's load bias in a process). */
  vaddr: bigint;
  /** File offset, what the uprobe PMU's ref_ctr_offset takes. */
  fileOffset: bigint;
}

/**
 * What a handler reads from the probe context, so an engine fetches exactly that
 * (registers to copy, whether user memory is read, which context values, which globals).
 */
export interface HandlerNeeds {
  registers: RegName[];
  readsUserMemory: boolean;
  writesTarget: boolean;
  context: ContextValue[];
  globalsRead: number[];
  globalsWritten: number[];
  functionsCalled: number[];
  /** Contains loops, foreach, recursion or other work eBPF cannot bound statically. */
  hasLoops: boolean;
}

// ────────────────────────────── statements ──────────────────────────────

export type Stmt =
  | { kind: 'block'; body: Stmt[]; loc: SourceLoc }
  | { kind: 'expr'; expr: Expr; loc: SourceLoc }
  | { kind: 'if'; test: Expr; then: Stmt; else?: Stmt; loc: SourceLoc }
  | { kind: 'while'; test: Expr; body: Stmt; loc: SourceLoc }
  | { kind: 'for'; init?: Stmt; test?: Expr; step?: Expr; body: Stmt; loc: SourceLoc }
  | ForeachStmt
  | { kind: 'break'; loc: SourceLoc }
  | { kind: 'continue'; loc: SourceLoc }
  /** Leave the probe handler (SystemTap `next`). */
  | { kind: 'next'; loc: SourceLoc }
  | { kind: 'return'; value?: Expr; loc: SourceLoc }
  | { kind: 'delete'; target: DeleteTarget; loc: SourceLoc }
  /** `target <<< value` */
  | { kind: 'statsAdd'; target: StatsRef; value: Expr; loc: SourceLoc }
  | { kind: 'printf'; format: number; args: Expr[]; loc: SourceLoc }
  /** print/println of scalars: values are printed with no separator, println adds "\n". */
  | { kind: 'print'; args: Expr[]; newline: boolean; loc: SourceLoc }
  /** print(@hist_log(x)) / print(@hist_linear(x, lo, hi, step)): SystemTap's ASCII histogram. */
  | { kind: 'printHist'; source: StatsRef; hist: HistSpec; loc: SourceLoc }
  /** print_ubacktrace(): one symbolized frame per line. */
  | { kind: 'printBacktrace'; loc: SourceLoc }
  /**
   * exit(): finish the current handler, then end the session through the `end` probes.
   * abort() (`abort: true`): end the handler at once (from inside functions too; no catch stops
   * it) and the session without running the `end` probes.
   */
  | { kind: 'exit'; abort?: boolean; loc: SourceLoc }
  /** error(msg): a runtime error raised by the script; warn(msg) (`warn: true`): `WARNING: msg` on stderr, and the handler goes on. */
  | { kind: 'error'; message: Expr; warn?: boolean; loc: SourceLoc }
  /**
   * `try { body } catch (msg) { handler }`: a runtime error in body (error(), division by 0, a
   * read fault ... — not MAXACTION/MAXNESTING, not next/return/exit) abandons body and runs
   * handler, with the error's message in local `catchSlot` (a string) when given.
   */
  | { kind: 'try'; body: Stmt; catchSlot?: number; handler: Stmt; loc: SourceLoc };

export interface ForeachStmt {
  kind: 'foreach';
  global: number;
  /** Local slots receiving each key part, in order. */
  keys: number[];
  /** `foreach (v = [k] in arr)`: local slot receiving the element value. */
  value?: number;
  sort?: ForeachSort;
  limit?: Expr;
  /**
   * Array slicing, `foreach ([a, b] in arr[1, *])`: one entry per key part, an expression the
   * part must equal or `null` for `*` (any value). Evaluated once, before the loop; only the
   * matching elements are visited (sort and limit apply to those). Absent: every element.
   */
  slice?: Array<Expr | null>;
  /**
   * `foreach ([b] in @hist_log(x))` / `foreach (n = [b] in @hist_linear(x[k], ...))`: visits the
   * buckets of the statistic `global` (an element of it with `keys`) in order, `b` taking each
   * bucket number and the value variable its count (sort does not apply; limit does).
   */
  hist?: { keys?: Expr[]; spec: HistSpec };
  body: Stmt;
  loc: SourceLoc;
}

export type ForeachSort =
  | { by: 'key'; part: number; direction: 'asc' | 'desc' }
  /** By element value; for statistics arrays by the named aggregate (SystemTap's default: count). */
  | { by: 'value'; direction: 'asc' | 'desc'; aggregate?: AggregateFn };

export type DeleteTarget =
  | { kind: 'element'; global: number; keys: Expr[] }
  /** `delete arr[*, k]`: every element whose key parts equal the non-null entries (`null` is `*`). */
  | { kind: 'slice'; global: number; keys: Array<Expr | null> }
  | { kind: 'array'; global: number }
  /** A scalar or statistics global: reset to 0 / "" / empty. */
  | { kind: 'global'; global: number }
  | { kind: 'local'; slot: number };

/** A statistics value: a stats global, or one element of a stats array. */
export interface StatsRef {
  global: number;
  keys?: Expr[];
}

// ────────────────────────────── expressions ──────────────────────────────

export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'variance';

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '>>>' | '&' | '|' | '^';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '<<=' | '>>=' | '>>>=' | '&=' | '|=' | '^=' | '.=';
/** The binary operator a compound assignment applies: `x op= v` stores `x op v` (`.=` appends a string). */
export const COMPOUND_ASSIGN = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '<<=': '<<', '>>=': '>>', '>>>=': '>>>', '&=': '&', '|=': '|', '^=': '^',
} as const satisfies Record<Exclude<AssignOp, '=' | '.='>, BinaryOp>;

export type Expr =
  | { op: 'long'; type: 'long'; value: bigint; loc: SourceLoc }
  | { op: 'string'; type: 'string'; value: string; loc: SourceLoc }
  | { op: 'local'; type: ScalarType; slot: number; loc: SourceLoc }
  /** A scalar global. */
  | { op: 'global'; type: ScalarType; global: number; loc: SourceLoc }
  /** An array element; a missing key reads as 0 / "" and does not create the element. */
  | { op: 'arrayGet'; type: ScalarType; global: number; keys: Expr[]; loc: SourceLoc }
  /** `[k1, k2] in arr` → 1 or 0. */
  | { op: 'arrayIn'; type: 'long'; global: number; keys: Expr[]; loc: SourceLoc }
  /**
   * `[*, "x"] in arr` → 1 when some element's key parts equal every non-null entry (`null` is
   * `*`, any value), else 0. Keys are evaluated left to right, once.
   */
  | { op: 'arraySliceIn'; type: 'long'; global: number; keys: Array<Expr | null>; loc: SourceLoc }
  /** Long arithmetic with wrap-around; `/` and `%` by zero are runtime errors; `>>>` is a logical shift. */
  | { op: 'binary'; type: 'long'; operator: BinaryOp; left: Expr; right: Expr; loc: SourceLoc }
  /** Both operands long, or both string (byte-wise comparison). Result 1 or 0. */
  | { op: 'compare'; type: 'long'; operator: CompareOp; left: Expr; right: Expr; loc: SourceLoc }
  /** Short-circuit && / ||. Result 1 or 0. */
  | { op: 'logical'; type: 'long'; operator: '&&' | '||'; left: Expr; right: Expr; loc: SourceLoc }
  | { op: 'unary'; type: 'long'; operator: '-' | '~' | '!' | '+'; operand: Expr; loc: SourceLoc }
  /** String concatenation `.`, truncated to maxStringLen. */
  | { op: 'concat'; type: 'string'; left: Expr; right: Expr; loc: SourceLoc }
  | { op: 'conditional'; type: ScalarType; test: Expr; then: Expr; else: Expr; loc: SourceLoc }
  /** Assignment is an expression; its value is the value stored. */
  | { op: 'assign'; type: ScalarType; operator: AssignOp; target: LValue; value: Expr; loc: SourceLoc }
  /** ++x, x++, --x, x-- */
  | { op: 'incdec'; type: 'long'; target: LValue; delta: 1 | -1; prefix: boolean; loc: SourceLoc }
  /** @count(x) ... @avg(x). @min/@max/@avg of an empty statistic is a runtime error; @count/@sum give 0. */
  | { op: 'aggregate'; type: 'long'; fn: AggregateFn; source: StatsRef; loc: SourceLoc; /** @variance(x, N): N */ shift?: number }
  /** `sprint(@hist_log(x))`: the text print(@hist_log(x)) draws, as a string (cut to the string limit). */
  | { op: 'histText'; type: 'string'; source: StatsRef; hist: HistSpec; loc: SourceLoc }
  /** `@hist_log(x)[b]`: the count in bucket number `b` (0 outside the histogram); an empty statistic is a runtime error. */
  | { op: 'histBucket'; type: 'long'; source: StatsRef; hist: HistSpec; bucket: Expr; loc: SourceLoc }
  /** A script function. */
  | { op: 'call'; type: ExprType; function: number; args: Expr[]; loc: SourceLoc }
  /** A builtin function without access to the probe context (strlen, substr, usymname, ...); see BUILTINS. */
  | { op: 'builtin'; type: ExprType; name: BuiltinName; args: Expr[]; loc: SourceLoc }
  | { op: 'sprintf'; type: 'string'; format: number; args: Expr[]; loc: SourceLoc }
  /** A value of the probe context: tid(), pid(), gettimeofday_ns(), execname(), ... */
  | { op: 'context'; type: ScalarType; what: ContextValue; loc: SourceLoc }
  /**
   * Front end only: a target variable expression ($var, $var->a->b, $arr[i], $return, $$parms,
   * @entry($var)). The planner replaces it for each probe site; engines never see one.
   */
  | { op: 'target'; type: ScalarType; ref: TargetRef; loc: SourceLoc }
  // ── produced by the planner (machine level) ──
  /** A register of the probed thread at the probe site (x86-64 pt_regs name). */
  | { op: 'reg'; type: 'long'; reg: RegName; loc: SourceLoc }
  /** Read `size` bytes of target memory at `addr`, zero- or sign-extended. A fault is a runtime error. */
  | { op: 'userRead'; type: 'long'; addr: Expr; size: 1 | 2 | 4 | 8; signed: boolean; loc: SourceLoc }
  /** NUL-terminated string at a target address, at most maxLen (else maxStringLen) bytes. A fault is a runtime error. */
  | { op: 'userString'; type: 'string'; addr: Expr; maxLen?: Expr; loc: SourceLoc }
  /** Value number `index` of the site's entryCaptures, captured at function entry on this thread. */
  | { op: 'entry'; type: ScalarType; index: number; loc: SourceLoc }
  // ── produced by the uprobe engine for event mode ──
  /** Value number `index` captured by the kernel at the hit and shipped in the event record. */
  | { op: 'captured'; type: ScalarType; index: number; loc: SourceLoc };

export type LValue =
  | { kind: 'local'; slot: number }
  | { kind: 'global'; global: number }
  | { kind: 'element'; global: number; keys: Expr[] }
  /** Guru mode, front end only: a target variable to be written. */
  | { kind: 'target'; ref: TargetRef }
  /** Guru mode, after planning: a register of the probed thread. */
  | { kind: 'reg'; reg: RegName }
  /** Guru mode, after planning: `size` bytes of target memory. */
  | { kind: 'userMemory'; addr: Expr; size: 1 | 2 | 4 | 8 };

/** A target variable reference as written; resolved against DWARF per probe site. */
export interface TargetRef {
  /** `$query` → 'query'; `$return`, `$$parms`, `$$locals`, `$$vars`, `$$return` keep their `$` spelling minus the first one. */
  name: string;
  /** Member accesses and subscripts after the name: `$p->a[2]->b`. */
  path: TargetStep[];
  /** `@entry(...)` around it, or a `$var` in a .return probe: the value at function entry. */
  atEntry: boolean;
  /** Trailing `$` / `$$`: pretty-print as a string (SystemTap's `$var$`). */
  pretty?: '$' | '$$';
  /** `&$var`: the address rather than the value. */
  addressOf?: boolean;
  /**
   * `@defined($var)`: not the value but whether the reference resolves at the site — the planner
   * lowers it to the long 1 or 0 (and folds conditionals on it, so `@defined($x) ? $x : 0`
   * never lowers a `$x` the site lacks).
   */
  defined?: boolean;
  /**
   * `@var("name@file.c", "module")`: a variable looked up by name where the probe is, or — with
   * `unit` — a global or file static of the compile units whose name matches `unit`; `module`
   * names the binary holding it (a path or file name).
   */
  scope?: { unit?: string; module?: string };
  /**
   * `@cast(address, "struct T", "module")`: not a variable but the object of type `type` at
   * `address` (name is '@cast'); `module` names the binary whose DWARF declares the type.
   */
  cast?: { address: Expr; type: string; module?: string };
}

export type TargetStep = { kind: 'member'; name: string } | { kind: 'index'; index: Expr };

/** x86-64 registers as named in pt_regs / user_regs_struct (SystemTap's register("...") names). */
export const REG_NAMES = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8',
  'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss',
] as const;
export type RegName = (typeof REG_NAMES)[number];

/** The x86-64 SysV integer argument registers, for pointer_arg(n)/int_arg(n)/long_arg(n). */
export const ARG_REGS: readonly RegName[] = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];

export const CONTEXT_VALUES = {
  tid: 'long',
  pid: 'long',
  ppid: 'long',
  uid: 'long',
  euid: 'long',
  gid: 'long',
  cpu: 'long',
  /** The process of -p/-c (SystemTap's target()), 0 without one. */
  target: 'long',
  execname: 'string',
  /** Wall-clock time (CLOCK_REALTIME) at the hit, in ns; gettimeofday_s/ms/us divide it. */
  walltime_ns: 'long',
  /** Monotonic time at the hit, in ns (local_clock_ns-like, for intervals). */
  monotonic_ns: 'long',
  /** Canonical text of the probe point that fired (pp()). */
  pp: 'string',
  /** Function the probe is in (probefunc()/ppfunc()). */
  probefunc: 'string',
  /** Address of the probed instruction in the running process (uaddr()). */
  uaddr: 'long',
  /** ubacktrace(): hex return addresses of the user stack, space separated. */
  ubacktrace: 'string',
} as const satisfies Record<string, ScalarType>;
export type ContextValue = keyof typeof CONTEXT_VALUES;

/** Builtins that need no probe context: pure functions of their arguments plus runtime services. */
export const BUILTINS = {
  strlen: { args: ['string'], returns: 'long' },
  substr: { args: ['string', 'long', 'long'], returns: 'string' },
  isinstr: { args: ['string', 'string'], returns: 'long' },
  strtol: { args: ['string', 'long'], returns: 'long' },
  /** usymname(addr): symbol containing a target address, or its hex text. */
  usymname: { args: ['long'], returns: 'string' },
  /** usymdata/umodname style helpers may be added here with their signatures. */
  umodname: { args: ['long'], returns: 'string' },
  /** Symbolized form of a ubacktrace() string, one frame per line. */
  sprint_ubacktrace: { args: ['string'], returns: 'string' },
  /** usymdata(addr): `symbol+0xOFF/0xSIZE [module]`, or the hex address (SystemTap's text). */
  usymdata: { args: ['long'], returns: 'string' },
  /** usymfile(addr), usymline(addr), usymfileline(addr): the source file, line, `file:line` of an address, or its hex text. */
  usymfile: { args: ['long'], returns: 'string' },
  usymline: { args: ['long'], returns: 'string' },
  usymfileline: { args: ['long'], returns: 'string' },
  /**
   * _usyms_text(addresses, style): each address of a ubacktrace()-style string on its own line,
   * in one of SystemTap's layouts (runtime/runtime-services.ts AddressStyle); for the tapset's
   * sprint_ustack(), print_ubacktrace_fileline() and sprint_ubacktrace().
   */
  _usyms_text: { args: ['string', 'string'], returns: 'string' },
  /** stringat(s, i): the byte at index i, 0 when out of range. */
  stringat: { args: ['string', 'long'], returns: 'long' },
  /** str_replace(s, search, replacement): every occurrence replaced. */
  str_replace: { args: ['string', 'string', 'string'], returns: 'string' },
  /** text_str(s): non-printable bytes escaped as C escapes. */
  text_str: { args: ['string'], returns: 'string' },
  /** text_strn(s, len, quoted): text_str of at most len bytes (0: no limit), in "..." when quoted != 0. */
  text_strn: { args: ['string', 'long', 'long'], returns: 'string' },
  /** isdigit(s): 1 when the first byte is an ASCII digit. */
  isdigit: { args: ['string'], returns: 'long' },
  /** strpos(s, t): byte offset of the first t in s, -1 when absent. */
  strpos: { args: ['string', 'string'], returns: 'long' },
  /** string_quoted(s): s in double quotes, escaped as text_str does. */
  string_quoted: { args: ['string'], returns: 'string' },
  /** tokenize(s, delims): the next token of s ("" input: of the previous one); "" when none is left. */
  tokenize: { args: ['string', 'string'], returns: 'string' },
  /** randint(n): a random number in [0, n), n at most 2^20. */
  randint: { args: ['long'], returns: 'long' },
  /** ctime(secs): "Thu Jan  1 00:00:00 1970", UTC, for secs within 32-bit time_t. */
  ctime: { args: ['long'], returns: 'string' },
  /** errno_str(n): the symbolic name of an errno value ("EPERM"), or its number. */
  errno_str: { args: ['long'], returns: 'string' },
  /** syscall_name(n): the name of x86-64 system call n ("" for none); syscall_num(name): its number (-1 for none). */
  syscall_name: { args: ['long'], returns: 'string' },
  syscall_num: { args: ['string'], returns: 'long' },
} as const satisfies Record<string, { args: readonly ScalarType[]; returns: ExprType }>;
export type BuiltinName = keyof typeof BUILTINS;

// ────────────────────────────── formats ──────────────────────────────

/** A printf/sprintf format string, parsed once by the front end (formats must be literals). */
export interface FormatIR {
  text: string;
  pieces: FormatPiece[];
  loc: SourceLoc;
}

export type FormatConversion = 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 's' | 'p' | 'c' | 'b';

export type FormatPiece =
  | { kind: 'text'; text: string }
  | {
      kind: 'conversion';
      conversion: FormatConversion;
      /** `-` left-justify, `0` zero-pad, `+` sign, ` ` space, `#` alternate form. */
      flags: { left: boolean; zero: boolean; plus: boolean; space: boolean; alternate: boolean };
      /** A number, or '*' to take it from the next argument (a long). */
      width?: number | '*';
      precision?: number | '*';
      /** Type of the argument this conversion consumes. */
      argType: ScalarType;
    };
