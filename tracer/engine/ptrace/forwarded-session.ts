// The ptrace tracer as a sidecar of another engine: it places breakpoints on a few sites (those
// the kernel's uprobes refuse) while the other engine's Session, on the main thread, runs their
// handlers against the same storage as every other probe. Each hit is one synchronous call: the
// tracer posts the stopped thread's registers and waits while the main thread runs the handler
// (reading the thread's memory itself, which stays put while the thread is stopped), then resumes
// the thread. A call unanswered within CALL_TIMEOUT_MS ends the sidecar (its breakpoints are taken
// out) rather than hold the target.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Scalar } from '../../runtime/storage';
import type { Session } from '../../runtime/session';
import type { PtraceProbeContext } from './ptrace-context';

/** What the tracer needs of its session: a Session, or a ForwardedSession. */
export type TracerSession = Pick<Session, 'begin' | 'running' | 'failed' | 'hit' | 'captureEntry' | 'timer' | 'stop' | 'finish' | 'setTarget' | 'flush' | 'close'> & {
  /** The globals, when this session holds them (a sidecar's are in its engine's Session). */
  readonly globals?: Session['globals'];
  /** The breakpoints of the sites mapped so far are in (a sidecar tells its engine). */
  armed?(): void;
};

/** The sidecar's side of the channel (structured-clone safe: the port is transferred). */
export interface SidecarChannel {
  port: MessagePort;
  /** [0]: 1 when the main thread has answered the last call; [1]: 1 once the main Session stopped. */
  signal: Int32Array;
}

export const SIGNAL_ANSWERED = 0;
export const SIGNAL_STOPPED = 1;
export const CALL_TIMEOUT_MS = 5000;

/** One hit or entry as the main thread runs it (PtraceProbeContext's state, as plain data). */
export interface ForwardedHit {
  kind: 'hit' | 'entry';
  siteId: number;
  tid: number;
  pid: number;
  regs: Uint8Array;
  uaddr: number;
  entry?: Scalar[];
  returnTo?: bigint;
  shadow: Array<{ stackSlot: number; returnAddress: bigint }>;
}

export type SidecarMessage = ForwardedHit | { kind: 'target'; pid: number } | { kind: 'armed' };

export class ForwardedSession implements TracerSession {
  private stopped = false;
  /** Runtime errors happen in the engine's Session, which reports them. */
  readonly failed = false;

  constructor(private readonly channel: SidecarChannel) {}

  get running(): boolean {
    return !this.stopped && Atomics.load(this.channel.signal, SIGNAL_STOPPED) === 0;
  }

  begin(): void {}

  /** A sidecar's plan has no timers: they run in the engine's Session. */
  timer(): void {}

  /** The target is known (attached, or the command started and not yet let go): the engine arms its own probes first. */
  setTarget(pid: number): void {
    this.call({ kind: 'target', pid });
  }

  armed(): void {
    this.channel.port.postMessage({ kind: 'armed' } satisfies SidecarMessage);
  }

  hit(siteId: number, ctx: PtraceProbeContext): void {
    if (this.running) this.call(forwarded('hit', siteId, ctx));
  }

  captureEntry(siteId: number, ctx: PtraceProbeContext): Scalar[] | undefined {
    return this.running ? (this.call(forwarded('entry', siteId, ctx)) as Scalar[] | undefined) : undefined;
  }

  stop(): void {
    this.stopped = true;
  }

  finish(): number {
    return 0;
  }

  flush(): void {}

  close(): void {
    this.channel.port.close();
  }

  private call(message: SidecarMessage): unknown {
    const { port, signal } = this.channel;
    Atomics.store(signal, SIGNAL_ANSWERED, 0);
    port.postMessage(message);
    if (Atomics.wait(signal, SIGNAL_ANSWERED, 0, CALL_TIMEOUT_MS) === 'timed-out') {
      this.stopped = true;
      return undefined;
    }
    return (receiveMessageOnPort(port)?.message as { value?: unknown } | undefined)?.value;
  }
}

function forwarded(kind: 'hit' | 'entry', siteId: number, ctx: PtraceProbeContext): ForwardedHit {
  return { kind, siteId, tid: ctx.tid, pid: ctx.pid, regs: ctx.regs.bytes.slice(), uaddr: ctx.uaddr, entry: ctx.entry, returnTo: ctx.returnTo, shadow: ctx.shadow.map((f) => ({ ...f })) };
}
