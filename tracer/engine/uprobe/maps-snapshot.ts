// Symbols of a -c command that may be gone before utap reads its records. usymname(),
// umodname() and backtraces are symbolized in utap from the process's mappings; the uprobe
// engine runs those handlers when it reads their records, and a short command can have exited
// by then (its /proc/PID/maps empty), which left bare addresses. So when a script symbolizes
// and utap starts the command, the kernel programs stop the process once, at its first hit
// after its start (bpf_send_signal(SIGSTOP), after a snapshot record), and utap reads its
// mappings while it is stopped, then lets it go on (SIGCONT). The first hit is past the dynamic
// loader, so the libraries are mapped; a library loaded later is read while the process lives,
// as before. The same stop keeps the process's /proc/PID/status for ppid() and euid(), which
// the kernel programs do not ship.
import { readMaps } from '../../../symbolizer/proc-maps';
import type { Expr, PlanIR, Stmt } from '../../ir/ir';
import { walkExpr, walkStmt } from '../../ir/walk';

const SYMBOLIZING = new Set(['usymname', 'umodname', 'sprint_ubacktrace', 'usymdata', 'usymfile', 'usymline', 'usymfileline', '_usyms_text']);

/**
 * Whether any handler or function of the plan symbolizes target addresses, or a probe handler
 * reads ppid() or euid() (from /proc/PID/status, when utap runs the handler).
 */
export function wantsSnapshot(plan: PlanIR): boolean {
  if (plan.sites.some((s) => s.needs.context.includes('ppid') || s.needs.context.includes('euid'))) return true;
  let found = false;
  const visitor = {
    stmt(st: Stmt) {
      if (st.kind === 'printBacktrace') found = true;
    },
    expr(e: Expr) {
      if ((e.op === 'builtin' && SYMBOLIZING.has(e.name)) || (e.op === 'context' && e.what === 'ubacktrace')) found = true;
    },
  };
  const bodies: Stmt[] = [
    ...[...plan.begin, ...plan.end, ...plan.error, ...plan.timers, ...plan.sites].map((h) => h.handler.body),
    ...plan.program.functions.map((f) => f.body),
  ];
  for (const body of bodies) {
    walkStmt(body, visitor);
    if (found) return true;
  }
  for (const site of plan.sites) for (const e of site.entryCaptures) walkExpr(e, visitor);
  return found;
}

/**
 * What tells one program image of `pid` from the next: its file mappings (start and path). A
 * single -c command is started as `sh -c 'kill -STOP $$; exec COMMAND'`, and a probe in a
 * library can fire in that shell before it execs the command; a snapshot whose signature is the
 * shell's (read before it was let go) came too early, and the next hit takes it again.
 * Undefined when the process is gone.
 */
export function fileMappingsSignature(pid: number): string | undefined {
  try {
    return readMaps(pid).filter((m) => m.path.startsWith('/')).map((m) => `${m.start.toString(16)} ${m.path}`).join('\n');
  } catch {
    return undefined;
  }
}
