// A child process for the main-thread driver tests: builds one of a few hand-made programs and
// runs it with driveOnMainThread, as run-command does, so signals and exit statuses are real.
//
//   node dist/test/support/driver-child.js NAME [--pid PID] [--cmd CMD] [--json] [-o FILE]
import { buildPlan } from '../../tracer/plan/plan';
import { driveOnMainThread } from '../../tracer/runtime/main-thread-driver';
import { openSession } from '../../tracer/runtime/open-session';
import type { ProgramIR } from '../../tracer/ir/ir';
import { assign, cmp, ctx, ex, exit, glob, incdec, L, lit, print, printf, ProgramBuilder, str } from './ir-builder';

export function program(name: string): ProgramIR {
  const b = new ProgramBuilder();
  switch (name) {
    case 'ticker': {
      // global n; probe begin { println("ready") } probe timer.ms(20) { n++ } probe end { printf("end after %s\n", n > 0 ? "ticks" : "none") }
      const n = b.scalar('n');
      b.probe(['begin'], [], print([str('ready')], true));
      b.probe(['timer.ms(20)'], [], ex(incdec(L.global(n), 1, false)));
      b.probe(['end'], [], printf(b.format('end after %s\n'), [{ op: 'conditional', type: 'string', test: cmp('>', glob(n), lit(0)), then: str('ticks'), else: str('none'), loc: b.globals[0].loc }]));
      b.probe(['error'], [], print([str('error probe')], true));
      break;
    }
    case 'count-to-3': {
      // global n; probe timer.ms(10) { if (++n == 3) exit() } probe end { println(n) }
      const n = b.scalar('n');
      b.probe(['timer.ms(10)'], [], { kind: 'if', test: { op: 'compare', type: 'long', operator: '==', left: incdec(L.global(n), 1, true), right: lit(3), loc: b.globals[0].loc }, then: exit(), loc: b.globals[0].loc });
      b.probe(['end'], [], print([glob(n)], true));
      break;
    }
    case 'target': {
      // probe begin { printf("target %d\n", target()) } probe end { println("target gone") }
      b.probe(['begin'], [], printf(b.format('begin %d\n'), [ctx('target')]));
      b.probe(['timer.ms(5)'], [], ex(assign(L.global(b.scalar('t')), ctx('target'))));
      b.probe(['end'], [], printf(b.format('end %d\n'), [cmp('>', glob(0), lit(0))]));
      break;
    }
    default:
      throw new Error(`no program ${name}`);
  }
  return b.build();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const pid = opt('--pid') === undefined ? undefined : Number(opt('--pid'));
  const session = openSession(buildPlan(program(args[0])), { json: args.includes('--json'), outputFile: opt('-o'), targetPid: pid });
  process.exitCode = await driveOnMainThread(session, { watchPid: pid, command: opt('--cmd'), onChildStarted: (p) => session.setTarget(p) });
  session.close();
}

if (require.main === module) void main();
