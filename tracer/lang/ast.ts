// The syntax tree the parser builds: the script as written, names not yet resolved, no types.
// The checker (check.ts) turns it into the handler IR.
import type { AssignOp, SourceLoc } from '../ir/ir';

export type AstExpr =
  | { kind: 'number'; value: bigint; loc: SourceLoc }
  | { kind: 'string'; value: string; loc: SourceLoc }
  /** A plain name: a local or a global scalar/statistic/array. */
  | { kind: 'name'; name: string; loc: SourceLoc }
  /** `name[k1, k2]`: an element of a global array. */
  | { kind: 'index'; name: string; nameLoc: SourceLoc; keys: AstExpr[]; loc: SourceLoc }
  /** `$name`, `$p->a[2]`, `$$parms`, `$var$`, `&$var`. */
  | {
      kind: 'target'; name: string; path: AstTargetStep[]; pretty?: '$' | '$$'; addressOf?: boolean; loc: SourceLoc;
      /** `@var("name@file.c", "module")` (see TargetRef.scope). */
      scope?: { unit?: string; module?: string };
      /** `@cast(address, "type", "module")` (see TargetRef.cast); name is '@cast'. */
      cast?: { address: AstExpr; type: string; module?: string };
    }
  /** `@entry(expr)` */
  | { kind: 'entry'; operand: AstExpr; loc: SourceLoc }
  | { kind: 'call'; name: string; args: AstExpr[]; loc: SourceLoc }
  /** `@count(x)` ... `@avg(x)`; `@hist_log(x)`, `@hist_linear(x, lo, hi, step)` (only inside print). */
  | { kind: 'aggregate'; fn: string; operand: AstExpr; args: AstExpr[]; loc: SourceLoc }
  /** `@hist_log(x)[b]`: the count in bucket number b of a histogram (`hist` is the @hist_* aggregate) */
  | { kind: 'histBucket'; hist: AstExpr; bucket: AstExpr; loc: SourceLoc }
  | { kind: 'binary'; operator: string; left: AstExpr; right: AstExpr; loc: SourceLoc }
  | { kind: 'unary'; operator: '-' | '+' | '!' | '~'; operand: AstExpr; loc: SourceLoc }
  | { kind: 'conditional'; test: AstExpr; then: AstExpr; else: AstExpr; loc: SourceLoc }
  | { kind: 'assign'; operator: AssignOp; target: AstExpr; value: AstExpr; loc: SourceLoc }
  | { kind: 'incdec'; delta: 1 | -1; prefix: boolean; target: AstExpr; loc: SourceLoc }
  /** `[k1, k2] in arr` or `k in arr`; a `null` key is the `*` of a slice (`[*, k] in arr`) */
  | { kind: 'in'; keys: Array<AstExpr | null>; name: string; nameLoc: SourceLoc; loc: SourceLoc }
  /** `name[k, *]`: a slice of an array (some keys `*`, as `null`): only `delete` takes one */
  | { kind: 'slice'; name: string; nameLoc: SourceLoc; keys: Array<AstExpr | null>; loc: SourceLoc }
  /** `@defined(expr)`: 1 when expr names something that exists here (decided by the checker) */
  | { kind: 'defined'; operand: AstExpr; loc: SourceLoc }
  /** `s =~ "regex"`, `s !~ "regex"` (the pattern must be a literal) */
  | { kind: 'regex'; operator: '=~' | '!~'; left: AstExpr; pattern: string; loc: SourceLoc }
  /** `%{ C %}` used as a value */
  | { kind: 'embedded'; loc: SourceLoc }
  /**
   * Forms the grammar has but utap gives no meaning: typed dereferences of plain values
   * (`(x)->m`, `&x`, `x$`, SystemTap's autocast) and kernel or type-information @-operators
   * (`@cast`, `@var`, `@kderef` ...). Parsed so a script reads as SystemTap reads it; the checker
   * says what is not supported.
   */
  | { kind: 'unsupported'; what: string; operands: AstExpr[]; loc: SourceLoc }
  /** `x <<< v` (a statement in practice, an expression in the grammar) */
  | { kind: 'statsAdd'; target: AstExpr; value: AstExpr; loc: SourceLoc };

export type AstTargetStep = { kind: 'member'; name: string } | { kind: 'index'; index: AstExpr };

export interface ForeachKey {
  name: string;
  sort?: 'asc' | 'desc';
  loc: SourceLoc;
}

export type AstStmt =
  | { kind: 'block'; body: AstStmt[]; loc: SourceLoc }
  | { kind: 'expr'; expr: AstExpr; loc: SourceLoc }
  | { kind: 'if'; test: AstExpr; then: AstStmt; else?: AstStmt; loc: SourceLoc }
  | { kind: 'while'; test: AstExpr; body: AstStmt; loc: SourceLoc }
  | { kind: 'for'; init?: AstExpr; test?: AstExpr; step?: AstExpr; body: AstStmt; loc: SourceLoc }
  | {
      kind: 'foreach';
      value?: ForeachKey;
      keys: ForeachKey[];
      array: string;
      arrayLoc: SourceLoc;
      /** `in arr[1, *]`: the slice to visit, one entry per key, `null` for `*` */
      slice?: Array<AstExpr | null>;
      /** `arr+` / `arr-`, optionally by an aggregate (`arr @sum -`) */
      valueSort?: { direction: 'asc' | 'desc'; aggregate?: string };
      limit?: AstExpr;
      /** `foreach ([b] in @hist_log(x))`: the @hist_* aggregate whose buckets are visited (`array` is its statistic's name) */
      hist?: AstExpr;
      body: AstStmt;
      loc: SourceLoc;
    }
  | { kind: 'break'; loc: SourceLoc }
  | { kind: 'continue'; loc: SourceLoc }
  | { kind: 'next'; loc: SourceLoc }
  | { kind: 'return'; value?: AstExpr; loc: SourceLoc }
  | { kind: 'delete'; target: AstExpr; loc: SourceLoc }
  /** `try { ... } catch [(msg)] { ... }` */
  | { kind: 'try'; body: AstStmt; catchVar?: { name: string; loc: SourceLoc }; handler: AstStmt; loc: SourceLoc }
  | { kind: 'empty'; loc: SourceLoc };

export interface AstProbePointComponent {
  name: string;
  arg?: string | bigint;
  loc: SourceLoc;
}

export interface AstProbePoint {
  components: AstProbePointComponent[];
  optional: boolean;
  /** `probe P if (cond)`: the handler runs only while cond holds */
  condition?: AstExpr;
  loc: SourceLoc;
}

export interface AstGlobal {
  name: string;
  size?: number;
  init?: bigint | string;
  loc: SourceLoc;
}

export interface AstFunction {
  name: string;
  /** `function f() %{ C %}`: a body of embedded C, which utap cannot run */
  embedded?: SourceLoc;
  returnType?: 'long' | 'string';
  params: Array<{ name: string; type?: 'long' | 'string'; loc: SourceLoc }>;
  body: AstStmt;
  loc: SourceLoc;
}

export interface AstProbe {
  points: AstProbePoint[];
  body: AstStmt;
  loc: SourceLoc;
}

/** `probe NAME = POINTS { body }` (prologue) or `probe NAME += POINTS { body }` (epilogue). */
export interface AstAlias {
  names: string[][];
  points: AstProbePoint[];
  body: AstStmt;
  epilogue: boolean;
  loc: SourceLoc;
}

export interface AstFile {
  file: string;
  globals: AstGlobal[];
  functions: AstFunction[];
  probes: AstProbe[];
  aliases: AstAlias[];
  /** Where top-level `%{ ... %}` blocks of embedded C are */
  embedded: SourceLoc[];
}
