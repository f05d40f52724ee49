// Per-hit cost of the userspace runtime: Session.hit() on typical handlers with a probe context
// whose reads cost nothing, i.e. what the runtime itself adds to every ptrace stop or event-mode
// record (the engine's own work — waitpid, register and memory reads — comes on top).
//
//   node dist/bench/runtime-hit.js [--hits N] [--json]
//
// Handlers measured:
//   count       probe ... { n++ }
//   psql pair   the DESIGN.md psql script: the .call handler then the .return handler
//               (tid, `in`, user_string, time(), <<< into a stats array keyed by the query, delete)
//   keyed hist  probe ... { lat[tid() % 8] <<< $arg; } with @hist_log printed at the end
//   printf      probe ... { printf("%d %s\n", tid(), execname()) } into a buffered /dev/null sink
import * as fs from 'node:fs';
import type { ContextValue, ProbeIR, ProbePointIR, ProbeSiteIR, ProgramIR, RegName } from '../tracer/ir/ir';
import { handlerNeeds } from '../tracer/ir/needs';
import { buildPlan, type ResolveContext } from '../tracer/plan/plan';
import { FdSink, MemorySink, type OutputSink } from '../tracer/runtime/output-sink';
import type { ProbeContext } from '../tracer/runtime/probe-context';
import { Session } from '../tracer/runtime/session';
import { benchPrograms } from './runtime-hit-programs';

/** A context answering from fields, the cheapest an engine could offer. */
class BenchContext implements ProbeContext {
  tid = 1000;
  pid = 1000;
  rdi = 0x7000n;
  nowNs = 1_700_000_000_000_000_000n;
  constructor(private readonly memory: Uint8Array) {}
  reg(name: RegName): bigint {
    return name === 'rdi' ? this.rdi : 0n;
  }
  readMemory(address: bigint, length: number): Uint8Array {
    const offset = Number(address - 0x7000n);
    return this.memory.subarray(offset, Math.min(this.memory.length, offset + length));
  }
  context(what: ContextValue): bigint | number | string {
    switch (what) {
      case 'walltime_ns':
        return this.nowNs;
      case 'execname':
        return 'psql';
      default:
        return 0;
    }
  }
  entryValue(): bigint {
    return this.rdi;
  }
  captured(): bigint {
    return 0n;
  }
  writeReg(): void {}
  writeMemory(): void {}
}

function oneSite(probe: ProbeIR, point: ProbePointIR, c: ResolveContext): ProbeSiteIR[] {
  const isReturn = point.components.some((p) => p.name === 'return');
  return [{
    id: c.nextSiteId(), probe: probe.index, pp: point.text, handler: probe.handler, needs: handlerNeeds(c.program, probe.handler),
    kind: isReturn ? 'return' : 'entry', binary: '/usr/bin/psql', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'SendQuery', entryCaptures: [],
  }];
}

export interface RuntimeHitFigure {
  name: string;
  /** Nanoseconds per Session.hit() (per pair of hits for "psql pair"). */
  nsPerHit: number;
  hits: number;
}

function session(program: ProgramIR, output: OutputSink = new MemorySink()): Session {
  const s = new Session(buildPlan(program, { resolveProcessProbe: oneSite }), { output, errors: new MemorySink() });
  s.begin();
  return s;
}

function time(hits: number, body: (i: number) => void): number {
  for (let i = 0; i < Math.min(hits, 20_000); i++) body(i); // warm up: let V8 optimize the handlers
  const start = process.hrtime.bigint();
  for (let i = 0; i < hits; i++) body(i);
  return Number(process.hrtime.bigint() - start) / hits;
}

export function benchRuntimeHit(hits = 200_000): RuntimeHitFigure[] {
  const programs = benchPrograms();
  const queries = ['SELECT 1;', 'BEGIN TRANSACTION;', 'COMMIT TRANSACTION;', 'DELETE FROM num_result;', "SELECT date '1999-01-08';"];
  const memories = queries.map((q) => {
    const m = new Uint8Array(4096);
    m.set(Buffer.from(q + '\0', 'latin1'));
    return m;
  });
  const figures: RuntimeHitFigure[] = [];

  {
    const s = session(programs.count);
    const ctx = new BenchContext(memories[0]);
    figures.push({ name: 'count: n++', nsPerHit: time(hits, () => s.hit(0, ctx)), hits });
    s.finish();
  }
  {
    const s = session(programs.psql);
    const ctxs = memories.map((m) => new BenchContext(m));
    const ns = time(hits, (i) => {
      const ctx = ctxs[i % ctxs.length];
      ctx.tid = 1000 + (i & 3);
      ctx.nowNs += 1000n;
      s.hit(0, ctx);
      ctx.nowNs += 250_000n;
      s.hit(1, ctx);
    });
    figures.push({ name: 'psql pair: .call + .return (DESIGN.md script)', nsPerHit: ns, hits });
    figures.push({ name: 'psql: per hit (half a pair)', nsPerHit: ns / 2, hits: hits * 2 });
    s.finish();
  }
  {
    const s = session(programs.keyedHist);
    const ctx = new BenchContext(memories[0]);
    figures.push({ name: 'keyed hist: lat[tid() % 8] <<< $arg (@hist_log)', nsPerHit: time(hits, (i) => {
      ctx.tid = i;
      ctx.rdi = BigInt(i & 0xffff);
      s.hit(0, ctx);
    }), hits });
    s.finish();
  }
  {
    const devNull = fs.openSync('/dev/null', 'w');
    const s = session(programs.printf, new FdSink(devNull));
    const ctx = new BenchContext(memories[0]);
    figures.push({ name: 'printf("%d %s\\n", tid(), execname()) to /dev/null', nsPerHit: time(hits, () => s.hit(0, ctx)), hits });
    s.finish();
    fs.closeSync(devNull);
  }
  return figures;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const hitsArg = args.indexOf('--hits');
  const hits = hitsArg >= 0 ? Number(args[hitsArg + 1]) : 200_000;
  const figures = benchRuntimeHit(hits);
  if (args.includes('--json')) console.log(JSON.stringify(figures));
  else for (const f of figures) console.log(`${f.nsPerHit.toFixed(0).padStart(7)} ns/hit  ${f.name}`);
}
