// Strings and output: the string builtins (string-builtins.ts as `S`, each result cut to
// MAXSTRINGLEN), sprintf, and the statements that print (printf, print/println,
// print_ubacktrace), each through the emit() of the handler's pp.
import type { Expr, SourceLoc, Stmt } from '../../ir/ir';
import type { BodyEmitter } from './body-emitter';
import { CompileError } from './compile-error';

export function emitBuiltin(b: BodyEmitter, name: string, args: readonly Expr[], loc: SourceLoc): string {
  const a = args.map((x) => b.expr(x));
  switch (name) {
    case 'strlen':
      return `(${a[0]}).length`;
    case 'substr':
      return `S.substr(${a[0]}, ${a[1]}, ${a[2]}, MAXC)`;
    case 'isinstr':
      return `S.isinstr(${a[0]}, ${a[1]})`;
    case 'strtol':
      return `S.strtol(${a[0]}, ${a[1]})`;
    case 'stringat':
      return `S.stringat(${a[0]}, ${a[1]})`;
    case 'isdigit':
      return `S.isdigit(${a[0]})`;
    case 'str_replace':
      return `S.strReplace(${a[0]}, ${a[1]}, ${a[2]}, MAXC)`;
    case 'text_str':
      return `S.textStr(${a[0]}, 0, false, MAXC)`;
    case 'text_strn':
      return `S.textStr(${a[0]}, ${a[1]}, (${a[2]}) ? true : false, MAXC)`;
    case 'strpos':
      return `S.strpos(${a[0]}, ${a[1]})`;
    case 'string_quoted':
      return `S.textStr(${a[0]}, 0, true, MAXC)`;
    case 'tokenize':
      return `S.tokenize(tok, ${a[0]}, ${a[1]}, MAXC)`;
    case 'randint':
      return `randint(${a[0]}, ${b.loc(loc)})`;
    case 'ctime':
      return `ctime(${a[0]}, ${b.loc(loc)})`;
    case 'errno_str':
      return `errnoStr(${a[0]})`;
    case 'syscall_name':
      return `cut(syscallName(${a[0]}))`;
    case 'syscall_num':
      return `syscallNum(${a[0]})`;
    case 'usymname':
      return `cut(svc.usymname(${a[0]}))`;
    case 'umodname':
      return `cut(svc.umodname(${a[0]}))`;
    case 'sprint_ubacktrace':
      return `cut(svc.sprintUbacktrace(${a[0]}))`;
    case 'usymdata':
      return `cut(svc.addressText(${a[0]}, "data"))`;
    case 'usymfile':
      return `cut(svc.addressText(${a[0]}, "file"))`;
    case 'usymline':
      return `cut(svc.addressText(${a[0]}, "line"))`;
    case 'usymfileline':
      return `cut(svc.addressText(${a[0]}, "fileline"))`;
    case '_usyms_text':
      return `cut(usymsText(svc, ${a[0]}, addressStyle(${a[1]}, ${b.loc(loc)})))`;
    default:
      throw new CompileError(`the runtime has no builtin '${name}'`, loc);
  }
}

export function emitSprintf(b: BodyEmitter, e: Extract<Expr, { op: 'sprintf' }>): string {
  // a C string: what %c of 0 or %b put after a NUL byte is not part of it
  return `cut(cstr(sfmt[${e.format}]([${e.args.map((x) => b.expr(x)).join(', ')}])))`;
}

export function emitPrintf(b: BodyEmitter, s: Extract<Stmt, { kind: 'printf' }>): void {
  b.out.push(b.check(s.loc), `emit(fmt[${s.format}]([${s.args.map((a) => b.expr(a)).join(', ')}]), curPP);`);
}

export function emitPrint(b: BodyEmitter, s: Extract<Stmt, { kind: 'print' }>): void {
  const parts = s.args.map((a) => (a.type === 'string' ? b.expr(a) : `String(${b.expr(a)})`));
  if (s.newline) parts.push('"\\n"');
  b.out.push(b.check(s.loc), `emit(${parts.length ? parts.join(' + ') : '""'}, curPP);`);
}

export function emitPrintBacktrace(b: BodyEmitter, s: Extract<Stmt, { kind: 'printBacktrace' }>): void {
  b.out.push(b.check(s.loc), `emit(svc.sprintUbacktrace(cs(ctx, "ubacktrace", ${b.loc(s.loc)})), curPP);`);
}
