// The ptrace engine beside the uprobe engine, for the sites the kernel's uprobes refuse
// (refused-sites.ts) under `--engine auto`: a ptrace worker (tracer/engine/ptrace/) places their
// breakpoints and forwards each hit (forwarded-session.ts); the uprobe engine's Session runs the
// handler here, on the main thread, against the same globals as every other probe — the sites
// count as event-mode sites for where globals live (site-modes.ts), so hit order and storage are
// as for event mode. The worker is the tracer and, for -c, the command's parent: it starts the
// command stopped, and each side arms its probes before the command is let go.
import { MessageChannel, Worker } from 'node:worker_threads';
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';
import type { Session } from '../../runtime/session';
import { EXIT_ENVIRONMENT, UtapError } from '../../errors';
import { compiledScript } from '../../install-paths';
import { SIGNAL_ANSWERED, SIGNAL_STOPPED, type SidecarMessage } from '../ptrace/forwarded-session';
import { PtraceProbeContext } from '../ptrace/ptrace-context';
import { CONTROL_STOP, CONTROL_WAKER_PID, type PtraceRunSpec } from '../ptrace/ptrace-tracer';
import type { WorkerReply } from '../ptrace/ptrace-worker';
import { Registers } from '../ptrace/registers';
import { TargetMemory } from '../ptrace/target-memory';
import type { ProcessSymbols } from '../process-symbols';

export interface SidecarOptions {
  plan: PlanIR;
  /** The sites it places. */
  sites: ProbeSiteIR[];
  pid?: number;
  command?: string;
  verbose: boolean;
  session: Session;
  symbols: ProcessSymbols;
  /** Arms the engine's own probes for the target (the -c command not yet let go); throws to abort. */
  onTarget(pid: number): void;
  /** After each forwarded hit (the engine flushes output, ends the run if the session stopped). */
  afterHit(): void;
}

export interface PtraceSidecar {
  /** The target is known, the engine's probes and the sidecar's breakpoints are in. */
  armed: Promise<number>;
  /** The worker ended: its status (1 when a -c command failed, which it reported). */
  done: Promise<number>;
  /** Takes the breakpoints out and detaches (done resolves then). */
  stop(): void;
}

export function startPtraceSidecar(options: SidecarOptions): PtraceSidecar {
  const { port1: mine, port2: theirs } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(8));
  const control = new Int32Array(new SharedArrayBuffer(8));
  const spec: PtraceRunSpec = {
    plan: { ...options.plan, begin: [], end: [], error: [], timers: [], sites: options.sites },
    session: { json: false },
    pid: options.pid,
    command: options.command,
    pin: false,
    verbose: options.verbose,
    control,
    sidecar: { port: theirs, signal },
  };
  const worker = new Worker(compiledScript('tracer/engine/ptrace/ptrace-worker.js'), { workerData: spec, transferList: [theirs], stdout: false, stderr: false });
  const ctx = new PtraceProbeContext();
  ctx.symbols = options.symbols;
  let memory: TargetMemory | undefined;
  let targetPid = 0;
  let onArmed: (pid: number) => void = () => undefined;
  let onFailed: (error: unknown) => void = () => undefined;
  const armed = new Promise<number>((resolve, reject) => {
    onArmed = resolve;
    onFailed = reject;
  });
  const answer = (value?: unknown) => {
    mine.postMessage({ value });
    Atomics.store(signal, SIGNAL_ANSWERED, 1);
    Atomics.notify(signal, SIGNAL_ANSWERED);
  };
  mine.on('message', (message: SidecarMessage) => {
    if (message.kind === 'armed') {
      onArmed(targetPid);
      return;
    }
    if (message.kind === 'target') {
      try {
        targetPid = message.pid;
        memory = new TargetMemory(message.pid);
        ctx.targetPid = message.pid;
        options.onTarget(message.pid);
      } catch (error) {
        Atomics.store(signal, SIGNAL_STOPPED, 1);
        onFailed(error);
      } finally {
        answer();
      }
      return;
    }
    let value: unknown;
    try {
      const regs = new Registers();
      regs.bytes.set(message.regs);
      ctx.bind(message.tid, message.pid, regs, memory!, message.uaddr, message.entry);
      ctx.returnTo = message.returnTo;
      ctx.shadow = message.shadow;
      if (message.kind === 'hit') options.session.hit(message.siteId, ctx);
      else value = options.session.captureEntry(message.siteId, ctx);
    } finally {
      // Before the thread runs on: a handler that ended the session (exit(), an error) stops the
      // kernel handlers first, as a kernel handler's exit() would.
      try {
        options.afterHit();
      } finally {
        answer(value);
      }
    }
  });
  const done = new Promise<number>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'globals') return; // the engine's own Session answers scrapes
      mine.close();
      memory?.close();
      if (reply.kind === 'done') resolve(reply.status);
      else {
        const error = reply.kind === 'failed' ? new UtapError(reply.message, reply.status ?? EXIT_ENVIRONMENT, reply.preformatted) : new Error(reply.message);
        onFailed(error);
        reject(error);
      }
    });
    worker.once('error', (error) => {
      mine.close();
      onFailed(error);
      reject(error);
    });
  });
  // armed's rejection is reported through done as well: do not let it be unhandled twice.
  armed.catch(() => undefined);
  const stop = () => {
    Atomics.store(signal, SIGNAL_STOPPED, 1);
    Atomics.store(control, CONTROL_STOP, 1);
    const waker = Atomics.load(control, CONTROL_WAKER_PID);
    if (waker > 0) {
      try {
        process.kill(waker, 'SIGSTOP');
      } catch {
        /* the worker is already finishing */
      }
    }
  };
  return { armed, done, stop };
}
