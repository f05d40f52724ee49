// How deep a script may nest, and the check that enforces it. Every pass after the parser (the
// checker, the lowering, the JavaScript the runtime generates, the eBPF code generator) walks the
// syntax tree recursively, and V8 gives each of them a stack of about 1 MB: an unbounded depth
// would end in "Maximum call stack size exceeded" somewhere far from the script. So depth is
// bounded once, here, with a sentence that points at the place:
//
// - MAX_NESTING: parentheses, blocks, statements inside statements, argument lists, prefix
//   operators and `?:` / assignment chains, counted while parsing (the parser recurses on each);
// - MAX_EXPRESSION_DEPTH: the depth of the finished tree of one function or probe body, which a
//   flat chain also makes deep (`a - b - c` is `(a - b) - c`). Chains of one associative
//   operator (`+ * & | ^ . && ||`) are built balanced by the parser (balancedChain), so a
//   10,000-term sum is 15 levels deep and runs; a long chain of `-` counts one level per term.
//
// Both bounds are far above what a hand-written script uses and far below what the passes
// survive (measured: a 1,200-deep sum and 300 nested parentheses passed every engine).
import type { SourceLoc } from '../ir/ir';
import type { AstExpr, AstFile, AstStmt } from './ast';
import type { Diagnostics } from './diagnostic';

export const MAX_NESTING = 200;
export const MAX_EXPRESSION_DEPTH = 1000;

/** Operators whose chains may be regrouped: the result and the order operands run in stay the same. */
export const ASSOCIATIVE = new Set(['+', '*', '&', '|', '^', '.', '&&', '||']);

/** Chains of one associative operator at least this long are built balanced. */
export const BALANCE_FROM = 32;

export function nestingMessage(): string {
  return `this is nested more than ${MAX_NESTING} levels deep (parentheses, blocks, statements, argument lists); utap allows ${MAX_NESTING}: move inner parts into local variables or functions.`;
}

/**
 * `operands[0] op operands[1] op ...` as a tree of depth log2(n): the same operands in the same
 * left-to-right order, each node at the location of the operator that splits it.
 */
export function balancedChain(operator: string, operands: AstExpr[], operatorLocs: SourceLoc[]): AstExpr {
  const build = (from: number, to: number): AstExpr => {
    if (to - from === 1) return operands[from];
    const mid = (from + to) >> 1;
    return { kind: 'binary', operator, left: build(from, mid), right: build(mid, to), loc: operatorLocs[mid - 1] };
  };
  return build(0, operands.length);
}

type Node = AstExpr | AstStmt;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && typeof (value as { loc?: unknown }).loc === 'object';
}

/**
 * Refuses a body whose tree is deeper than MAX_EXPRESSION_DEPTH, at the first node past it.
 * Iterative (an explicit stack), and generic over node kinds: any object with `kind` and `loc`
 * is a node, so syntax added later is covered without a change here.
 */
export function checkDepth(file: AstFile, diag: Diagnostics): void {
  const values: unknown[] = [];
  const depths: number[] = [];
  for (const holder of [file.probes, file.functions, file.aliases]) {
    for (const { body } of holder) {
      values.push(body);
      depths.push(1);
    }
  }
  while (values.length) {
    const value = values.pop() as Record<string, unknown>;
    let depth = depths.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth);
        }
      }
      continue;
    }
    if (isNode(value)) {
      if (depth > MAX_EXPRESSION_DEPTH) {
        diag.error(
          value.loc,
          `this expression is more than ${MAX_EXPRESSION_DEPTH} operations deep (each operator of a chain such as a - b - c counts one); utap allows ${MAX_EXPRESSION_DEPTH}: split it, e.g. into partial results in local variables.`,
        );
      }
      depth++;
    }
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null || key === 'loc' || key.endsWith('Loc')) continue;
      values.push(child);
      depths.push(depth);
    }
  }
}
