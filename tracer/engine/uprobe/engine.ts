// The uprobe engine: kernel handlers in eBPF at uprobes, the runtime on the main thread for
// begin/end/timer probes, event-mode probes and the records kernel handlers send.
//
//   compile and load every site's program (KernelHandlers) → open the Session with the globals
//   kernel handlers touch backed by their maps → begin → arm the uprobes (-p pid, the -c child
//   started stopped, or every process) → the event loop: ring-buffer records, timers, signals,
//   target exit → stop the kernel handlers, disarm, drain → end probes (reading the maps) → close.
import { childExitWarning } from '../../runtime/child-exit';
import { inexactEventModeReason } from './event-mode-check';
import type { ChildProcess } from 'node:child_process';
import { koffi } from '../../../kernel-helper/ffi';
import { detectBpfFeatures } from '../../../kernel-helper/features';
import { errno, sys } from '../../../kernel-helper/libc';
import { __NR_pidfd_open } from '../../../kernel-helper/uapi';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../../cli/errors';
import { processAlive } from '../../runtime/main-thread-driver';
import { openSession } from '../../runtime/open-session';
import type { Session } from '../../runtime/session';
import { monotonicNs, TimerSchedule } from '../../runtime/timer-schedule';
import type { Engine, EngineRunRequest } from '../engine';
import { mapStore } from './bpf-storage';
import { KernelHandlers, RING_BYTES } from './kernel-handlers';
import { ProcessSymbols } from '../process-symbols';
import { describeReads } from './event-reads';
import type { SiteMode } from './site-modes';
import { recordDispatcher } from './record-dispatch';
import { planWithRecordSites, type RecordRoute } from './record-sites';
import { startStopped } from './start-stopped';
import { checkHandlerName, registerHandlers } from './registration';
import { removeRegistration } from '../../../kernel-helper/registry';
import { RingBufferReader } from '../../../kernel-helper/ring-buffer';
import { releaseUprobeWarmUp } from '../../../kernel-helper/uprobe-warmup';

export const uprobeEngine: Engine = {
  name: 'uprobe',

  unavailable(request: EngineRunRequest): string | undefined {
    const inexact = inexactEventModeReason(request.plan, request.pid ?? 0);
    if (inexact) return inexact;
    const why = detectBpfFeatures().unavailable;
    if (why) return why;
    if (request.guru && request.plan.sites.some((s) => s.needs.writesTarget)) return 'its handlers cannot change the traced process (guru writes need the ptrace engine)';
    return undefined;
  },

  async run(request: EngineRunRequest): Promise<number> {
    const { plan } = request;
    if (request.pid !== undefined && !processAlive(request.pid)) throw new UtapError(`there is no process ${request.pid}; check the pid (e.g. pidof NAME).`, EXIT_ENVIRONMENT);
    const targetPid = request.pid ?? 0;
    if (request.handlerName !== undefined) checkHandlerName(request.handlerName);
    if (request.detach) {
      if (request.command !== undefined) throw new UtapError('--detach cannot leave handlers on a command utap starts (-c), which ends with utap; start it yourself and use -p PID.', EXIT_SCRIPT_ERROR);
      if (plan.timers.length > 0) throw new UtapError(`--detach cannot keep timer probes (${plan.timers[0].pp}) running: they run in utap, which --detach ends.`, EXIT_SCRIPT_ERROR);
    }
    const kernel = new KernelHandlers(plan, targetPid);
    const registration = { registered: false };
    try {
      for (const m of kernel.modes) {
        request.log(`probe ${m.site.pp} at ${m.site.binary}+0x${m.site.fileOffset.toString(16)}: ${m.mode === 'kernel' ? 'kernel handler (eBPF)' : `event mode (${m.reason})${eventShipping(m)}`}`);
      }
      for (const { group } of kernel.shared) {
        if (group.sites.length < 2) continue;
        const names = group.sites.slice(0, 3).map((s) => s.function).join(', ');
        request.log(`${group.sites.length} ${group.kind === 'return' ? 'return ' : ''}sites in ${group.binary} (${names}${group.sites.length > 3 ? ', ...' : ''}) share one kernel handler through a uprobe_multi link`);
      }
      const eventMode = kernel.modes.find((m) => m.mode === 'event');
      if (request.detach && eventMode) {
        throw new UtapError(`--detach leaves only kernel handlers collecting, and probe ${eventMode.site.pp} runs in event mode (${eventMode.reason}), which needs utap running.`, EXIT_SCRIPT_ERROR);
      }
      const { plan: sessionPlan, routes } = planWithRecordSites(plan, kernel.records.values());
      const maxStr = plan.program.limits.maxStringLen;
      // Symbols of the traced process: usymname(), sprint_ubacktrace(), and the CFI that
      // unwinds an event-mode hit's stack snapshot for ubacktrace().
      const symbols = new ProcessSymbols(request.pid ?? 0);
      const session = openSession(sessionPlan, { ...request.session, targetPid: request.pid }, {
        storage: (decl) => {
          const map = kernel.globalMaps.get(decl.index);
          return map ? mapStore(decl, map, maxStr) : undefined;
        },
        services: symbols,
      });
      try {
        return await drive(session, kernel, routes, request, registration, symbols);
      } finally {
        session.close();
        symbols.close();
      }
    } finally {
      if (registration.registered && !request.detach) removeRegistration(request.handlerName!);
      kernel.close();
    }
  },
};

/** -v: what an event-mode site's kernel programs do besides shipping registers and context values. */
function eventShipping(m: SiteMode): string {
  const parts: string[] = [];
  if (m.event?.entryInKernel) parts.push('keeps the entry values in a map from the function entry');
  if (m.event && m.event.reads.length > 0) parts.push(`reads at the hit and ships ${describeReads(m.event.reads)}`);
  if (m.event && m.event.entryReads.length > 0) parts.push(`reads at the function entry and ships ${describeReads(m.event.entryReads)}`);
  if (m.event && m.event.stackBytes > 0) parts.push(`ships every register and ${m.event.stackBytes / 1024} KiB of the user stack for ubacktrace()`);
  return parts.length > 0 ? `; the kernel ${parts.join('; ')}` : '';
}

function drive(session: Session, kernel: KernelHandlers, routes: Map<number, RecordRoute>, request: EngineRunRequest, registration: { registered: boolean }, symbols: ProcessSymbols): Promise<number> {
  session.begin();
  let child: ChildProcess | undefined;
  let targetPid = request.pid ?? 0;
  if (session.running) {
    if (request.command !== undefined) {
      child = startStopped(request.command);
      if (child.pid === undefined) throw new UtapError(`could not start '${request.command}'.`, EXIT_ENVIRONMENT);
      targetPid = child.pid;
      session.setTarget(child.pid);
      symbols.follow(child.pid);
    }
    // A process given with -p is mapped already: keep its mappings for unwinding and symbols
    // (records may be handled after it is gone).
    if (request.pid !== undefined) symbols.preload();
    try {
      kernel.attach(targetPid === 0 ? undefined : targetPid, request.handlerName !== undefined);
    } catch (error) {
      if (child?.pid) process.kill(child.pid, 'SIGKILL');
      throw error;
    }
    releaseUprobeWarmUp();
    request.log(`probes armed${targetPid ? ` for process ${targetPid}` : ' for every process running the probed files'}`);
    if (request.handlerName !== undefined) {
      const name = request.handlerName;
      let dir: string;
      try {
        dir = registerHandlers(kernel, {
          name,
          detached: request.detach,
          plan: request.plan,
          records: [...kernel.records.values()],
          targetPid: targetPid === 0 ? undefined : targetPid,
          command: request.command,
          script: request.script,
        });
      } catch (error) {
        if (child?.pid) process.kill(child.pid, 'SIGKILL');
        throw error;
      }
      registration.registered = true;
      request.log(`handlers registered as ${name} (${dir})`);
      if (request.detach) {
        session.flush();
        process.stderr.write(`utap: handlers '${name}' keep collecting${targetPid ? ` in process ${targetPid}` : ''}; see them with: utap handlers show ${name}; remove them with: utap handlers rm ${name}\n`);
        return Promise.resolve(0);
      }
    }
    if (child?.pid) process.kill(child.pid, 'SIGCONT');
  }

  const reader = new RingBufferReader(kernel.ring);
  kernel.reader = reader;
  const onRecord = recordDispatcher(session, routes, targetPid, symbols);
  const drain = () => {
    reader.consume(onRecord);
    session.flush();
  };

  const schedule = new TimerSchedule(session.plan.timers, monotonicNs());
  return new Promise<number>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let pidPoll: { close(): void } | undefined;
    let pidfd = -1;
    let childFailed = false;
    const cleanup = () => {
      done = true;
      if (timer) clearTimeout(timer);
      reader.unwatch();
      pidPoll?.close();
      if (pidfd >= 0) sys.close(pidfd);
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      child?.removeAllListeners('exit');
    };
    const finish = () => {
      if (done) return;
      try {
        cleanup();
        kernel.stopKernelHandlers();
        kernel.detach();
        drain();
        const status = session.finish();
        const lost = kernel.lostRecords();
        if (lost > 0) process.stderr.write(`${lostRecordsWarning(lost)}\n`);
        resolve(status === 0 && childFailed ? 1 : status);
      } catch (error) {
        reject(error);
      }
    };
    const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
      try {
        fn(...args);
        if (!session.running) finish();
      } catch (error) {
        cleanup();
        reject(error);
      }
    };
    // Whatever ends the session, the records already in the ring were hits before it ended: they
    // are applied first (a stopped session ignores hits, and the target's exit can be seen by the
    // event loop before the ring's last records are).
    const stopAfterDrain = (reason: Parameters<Session['stop']>[0]) => {
      drain();
      session.stop(reason);
    };
    const onInt = guard(() => stopAfterDrain('SIGINT'));
    const onTerm = guard(() => stopAfterDrain('SIGTERM'));
    if (!session.running) return finish();
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    reader.watch(guard(drain));
    const arm = () => {
      if (done) return;
      const delay = schedule.delayNs(monotonicNs());
      if (delay === undefined) return;
      timer = setTimeout(tick, Math.max(0, Math.ceil(Number(delay) / 1e6)));
    };
    const tick = guard(() => {
      drain();
      for (const index of schedule.due(monotonicNs())) {
        session.timer(index);
        if (!session.running) break;
      }
      session.flush();
      arm();
    });
    arm();
    if (child) {
      child.on('exit', guard((code: number | null, signal: NodeJS.Signals | null) => {
        const warning = childExitWarning(code, signal);
        if (warning) {
          process.stderr.write(`${warning}\n`);
          childFailed = true;
        }
        stopAfterDrain('target-exited');
      }));
    } else if (request.pid !== undefined) {
      // A pidfd turns readable when the process exits: the event loop waits on it.
      pidfd = Number(sys.syscallIntUint(__NR_pidfd_open, request.pid, 0));
      if (pidfd < 0) {
        if (errno() === 3) stopAfterDrain('target-exited');
        else throw new UtapError(`cannot watch process ${request.pid} (pidfd_open failed).`, EXIT_ENVIRONMENT);
      } else {
        pidPoll = koffi.node.poll(pidfd, { readable: true }, guard(() => stopAfterDrain('target-exited')));
      }
    } else {
      // System-wide: only a signal, exit() or an error ends it; keep the loop alive meanwhile.
      timerKeepers.push(setInterval(() => undefined, 1 << 30));
    }
    if (!session.running) finish();
  }).finally(() => {
    for (const k of timerKeepers.splice(0)) clearInterval(k);
  });
}

const timerKeepers: NodeJS.Timeout[] = [];

function lostRecordsWarning(lost: number): string {
  const what = lost === 1 ? '1 record' : `${lost} records`;
  return `utap: warning: ${what} from the kernel handlers (printf output, event-mode hits) could not be sent: the ${RING_BYTES >> 20} MiB ring buffer to utap was full, so the output is incomplete; print less per hit, or count and aggregate in the handler.`;
}
