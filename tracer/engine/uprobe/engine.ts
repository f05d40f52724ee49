// The uprobe engine: kernel handlers in eBPF at uprobes, the runtime on the main thread for
// begin/end/timer probes, event-mode probes and the records kernel handlers send.
//
//   -c: start the command, held before its exec (so target() is known everywhere) → compile
//   and load every site's program (KernelHandlers) → open the Session with the globals kernel
//   handlers touch backed by their maps → begin (its output flushed) → arm the uprobes (-p pid,
//   the -c child, or every process) → let the -c child go → the session driver
//   (runtime/session-driver.ts): ring-buffer records, timers, signals, target exit → stop the kernel handlers, disarm, drain → end probes (reading
//   the maps) → close; the exit status says whether the command failed or records were lost.
import { inexactEventModeReason } from './event-mode-check';
import type { ChildProcess } from 'node:child_process';
import { detectBpfFeatures } from '../../../kernel-helper/features';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../../errors';
import type { ProbeSiteIR } from '../../ir/ir';
import { snapshotGlobals } from '../../runtime/global-snapshot';
import { untraceableTarget } from '../target-refusal';
import { openSession } from '../../runtime/open-session';
import type { Session } from '../../runtime/session';
import { driveSession } from '../../runtime/session-driver';
import { StopSignals } from '../../runtime/stop-signals';
import type { Engine, EngineRunRequest } from '../engine';
import { mapStore } from './bpf-storage';
import { KernelHandlers, RING_BYTES } from './kernel-handlers';
import { ProcessSymbols } from '../process-symbols';
import { describeReads } from './event-reads';
import type { SiteMode } from './site-modes';
import { recordDispatcher } from './record-dispatch';
import { planWithRecordSites, type RecordRoute } from './record-sites';
import { releaseStarted, startStopped } from './start-stopped';
import { refusedSitesOf, withoutRefusedSites } from './refused-sites';
import { startPtraceSidecar, type PtraceSidecar } from './ptrace-sidecar';
import { fileMappingsSignature, wantsSnapshot } from './maps-snapshot';
import { rememberProcessStatus } from '../process-status';
import { SNAPSHOT_RECORD_ID } from '../../bpf-codegen/layout';
import { checkHandlerName, registerHandlers } from './registration';
import { removeRegistration } from '../../../kernel-helper/registry';
import { RingBufferReader } from '../../../kernel-helper/ring-buffer';
import { releaseUprobeWarmUp } from '../../../kernel-helper/uprobe-warmup';
import { isSyscallSite, syscallContextProblem } from './syscall-tracepoints';
import { decodeProcessEvent } from '../../../kernel-helper/process-events';
import { ProcessFollower } from './process-follow';
import { shellCommand } from '../../runtime/shell-command';

export const uprobeEngine: Engine = {
  name: 'uprobe',

  unavailable(request: EngineRunRequest): string | undefined {
    const syscalls = syscallContextProblem(request.plan, request.pid !== undefined || request.command !== undefined);
    if (syscalls) return syscalls;
    const inexact = inexactEventModeReason(request.plan, request.pid ?? 0);
    if (inexact) return inexact;
    const bare = request.plan.lifecycle?.find((p) => p.program === undefined);
    if (bare && request.pid === undefined && request.command === undefined) return `probe ${bare.pp} is about the traced process: give -p PID or -c COMMAND, or name the program: process("PATH")`;
    const why = detectBpfFeatures().unavailable;
    if (why) return why;
    if (request.guru && request.plan.sites.some((s) => s.needs.writesTarget)) return 'its handlers cannot change the traced process (guru writes need the ptrace engine)';
    return undefined;
  },

  async run(original: EngineRunRequest): Promise<number> {
    // Sites the kernel refuses: placed by a ptrace sidecar when the engine choice said so, else left out.
    const byPtrace = original.ptraceForRefused ? [...refusedSitesOf(original.plan).keys()] : [];
    const request = byPtrace.length > 0 ? original : placeableRequest(original);
    const { plan } = request;
    const untraceable = request.pid === undefined ? undefined : untraceableTarget(request.pid);
    if (untraceable) throw new UtapError(untraceable, EXIT_ENVIRONMENT);
    if (request.handlerName !== undefined) checkHandlerName(request.handlerName);
    if (request.handlerName !== undefined && plan.lifecycle?.length) throw new UtapError(`--name registers kernel handlers, and probe ${plan.lifecycle[0].pp} runs in utap; remove it or run without --name.`, EXIT_SCRIPT_ERROR);
    if (request.detach) {
      if (request.command !== undefined) throw new UtapError('--detach cannot leave handlers on a command utap starts (-c), which ends with utap; start it yourself and use -p PID.', EXIT_SCRIPT_ERROR);
      if (plan.sites.some(isSyscallSite)) throw new UtapError('--detach cannot keep system-call probes collecting yet: they need utap running; run without --detach.', EXIT_SCRIPT_ERROR);
      if (plan.timers.length > 0) throw new UtapError(`--detach cannot keep timer probes (${plan.timers[0].pp}) running: they run in utap, which --detach ends.`, EXIT_SCRIPT_ERROR);
    }
    // -c: the command is started first, held before its exec, as on the ptrace engine: the
    // kernel handlers are compiled with its pid for target(), and the begin probes see it too.
    // (With a ptrace sidecar, the sidecar starts it: kernel handlers then learn target() at attach.)
    const launch: Launch = { child: undefined, continued: false };
    if (request.command !== undefined && byPtrace.length === 0) {
      launch.child = startStopped(request.command);
      if (launch.child.pid === undefined) throw new UtapError(`could not start '${request.command}'.`, EXIT_ENVIRONMENT);
    }
    const targetPid = launch.child?.pid ?? request.pid ?? 0;
    const registration = { registered: false };
    let kernel: KernelHandlers | undefined;
    try {
      // A -c command may be gone when utap symbolizes its addresses: its mappings are read at its first hit.
      const handlers = new KernelHandlers(plan, targetPid, { mapsSnapshot: launch.child !== undefined && wantsSnapshot(plan), byPtrace: new Set(byPtrace.map((s) => s.id)), follow: followMode(request, targetPid) });
      kernel = handlers;
      handlers.syscallsAwaitExec = request.command !== undefined && /^\s*exec\s/.test(shellCommand(request.command));
      for (const m of handlers.modes) {
        const how = m.mode === 'kernel' ? 'kernel handler (eBPF)' : m.mode === 'ptrace' ? `placed by the ptrace engine (${refusedSitesOf(original.plan).get(m.site)}), its handler run by utap` : `event mode (${m.reason})${eventShipping(m)}`;
        const where = isSyscallSite(m.site) ? `raw_syscalls:${m.site.kind === 'syscall' ? 'sys_enter' : 'sys_exit'} (processes traced)` : `${m.site.binary}+0x${m.site.fileOffset.toString(16)}`;
        request.log(`probe ${m.site.pp} at ${where}: ${how}`);
      }
      for (const { group } of handlers.shared) {
        if (group.sites.length < 2) continue;
        const names = group.sites.slice(0, 3).map((s) => s.function).join(', ');
        request.log(`${group.sites.length} ${group.kind === 'return' ? 'return ' : ''}sites in ${group.binary} (${names}${group.sites.length > 3 ? ', ...' : ''}) share one kernel handler through a uprobe_multi link`);
      }
      if (handlers.sleepablePrograms > 0) request.log(`${handlers.sleepablePrograms} kernel program(s) loaded sleepable: a read of a page the process has not touched yet faults it in (bpf_copy_from_user)`);
      if (handlers.mapsSnapshot) request.log('the command stops once, at its first hit, while utap reads its mappings: the script symbolizes addresses or reads ppid()/euid(), and the command may be gone when utap runs those handlers');
      const eventMode = handlers.modes.find((m) => m.mode === 'event');
      if (request.detach && eventMode) {
        throw new UtapError(`--detach leaves only kernel handlers collecting, and probe ${eventMode.site.pp} runs in event mode (${eventMode.reason}), which needs utap running.`, EXIT_SCRIPT_ERROR);
      }
      const { plan: sessionPlan, routes } = planWithRecordSites(plan, handlers.records.values());
      const maxStr = plan.program.limits.maxStringLen;
      // Symbols of the traced process: usymname(), sprint_ubacktrace(), and the CFI that
      // unwinds an event-mode hit's stack snapshot for ubacktrace().
      const symbols = new ProcessSymbols(targetPid);
      const session = openSession(sessionPlan, { ...request.session, targetPid: targetPid || undefined }, {
        storage: (decl) => {
          const map = handlers.globalMaps.get(decl.index);
          return map ? mapStore(decl, map, maxStr) : undefined;
        },
        services: symbols,
      });
      // A scrape reads the kernel maps (and the JS-held globals) as they are: no handler waits.
      request.publishGlobals?.(async () => snapshotGlobals(plan.program.globals, session.globals));
      // Caught from before the begin probes run (stop-signals.ts).
      const signals = new StopSignals();
      try {
        return await drive(session, handlers, routes, request, registration, symbols, launch, byPtrace, signals);
      } finally {
        signals.close();
        session.close();
        symbols.close();
      }
    } finally {
      // A command that was never let go (utap failed before its probes were armed) is not left stopped.
      if (launch.child?.pid && !launch.continued) process.kill(launch.child.pid, 'SIGKILL');
      // Nor stopped by a maps snapshot whose record utap did not get to (it failed meanwhile).
      else if (launch.child?.pid && kernel?.mapsSnapshot && launch.child.exitCode === null && launch.child.signalCode === null) process.kill(launch.child.pid, 'SIGCONT');
      if (registration.registered && !request.detach) removeRegistration(request.handlerName!);
      kernel?.close();
    }
  },
};

/**
 * The request without the sites the kernel refuses (refused-sites.ts), with one warning, or the
 * error that a probe has no site left.
 */
function placeableRequest(request: EngineRunRequest): EngineRunRequest {
  const refused = refusedSitesOf(request.plan);
  if (refused.size === 0) return request;
  const oneProcess = request.pid !== undefined || request.command !== undefined;
  const { plan, warning } = withoutRefusedSites(request.plan, refused, oneProcess ? 'the ptrace engine can place such sites (--engine auto or --engine ptrace)' : 'the ptrace engine can place such sites in one process (-p PID or -c CMD)');
  for (const [site, why] of refused) request.log(`probe ${site.pp} at ${site.binary}+0x${site.fileOffset.toString(16)}: not placed: ${why}`);
  if (warning) process.stderr.write(`${warning}\n`);
  return { ...request, plan };
}

/** -v: what an event-mode site's kernel programs do besides shipping registers and context values. */
function eventShipping(m: SiteMode): string {
  const parts: string[] = [];
  if (m.event?.entryInKernel) parts.push('keeps the entry values in a map from the function entry');
  if (m.event && m.event.reads.length > 0) parts.push(`reads at the hit and ships ${describeReads(m.event.reads)}`);
  if (m.event && m.event.entryReads.length > 0) parts.push(`reads at the function entry and ships ${describeReads(m.event.entryReads)}`);
  if (m.event && m.event.stackBytes > 0) parts.push(`ships every register and ${m.event.stackBytes / 1024} KiB of the user stack for ubacktrace()`);
  return parts.length > 0 ? `; the kernel ${parts.join('; ')}` : '';
}

/** The -c command, and whether it has been let go. */
interface Launch {
  child: ChildProcess | undefined;
  continued: boolean;
}

/** Lets the held -c command run (start-stopped.ts). */
function letGo(launch: Launch): void {
  if (!launch.child?.pid || launch.continued) return;
  launch.continued = true;
  releaseStarted(launch.child);
}

/**
 * With a ptrace sidecar (ptrace-sidecar.ts): it attaches to the -p process, or starts the -c
 * command stopped; the uprobes are armed for that process before it runs on; resolves when the
 * sidecar's breakpoints are in too, with the sidecar and the target's pid.
 */
async function armWithSidecar(session: Session, kernel: KernelHandlers, request: EngineRunRequest, symbols: ProcessSymbols, sites: ProbeSiteIR[], afterHit: () => void): Promise<{ sidecar: PtraceSidecar; targetPid: number }> {
  let started = 0;
  const sidecar = startPtraceSidecar({
    plan: request.plan, sites, pid: request.pid, command: request.command, verbose: request.verbose ?? false, session, symbols, afterHit,
    onTarget: (pid) => {
      started = pid;
      if (request.command !== undefined) {
        session.setTarget(pid);
        symbols.follow(pid);
      }
      kernel.attach(pid);
    },
  });
  try {
    const targetPid = await sidecar.armed;
    releaseUprobeWarmUp();
    request.log(`probes armed for process ${targetPid}; ${sites.length === 1 ? '1 site' : `${sites.length} sites`} placed by the ptrace engine`);
    return { sidecar, targetPid };
  } catch (error) {
    if (request.command !== undefined && started > 0) process.kill(started, 'SIGKILL');
    sidecar.stop();
    await sidecar.done.catch(() => undefined);
    throw error;
  }
}

async function drive(session: Session, kernel: KernelHandlers, routes: Map<number, RecordRoute>, request: EngineRunRequest, registration: { registered: boolean }, symbols: ProcessSymbols, launch: Launch, byPtrace: ProbeSiteIR[], signals: StopSignals): Promise<number> {
  session.begin();
  // What begin printed shows now, as on the ptrace engine (the first record may be long in coming).
  session.flush();
  const child = launch.child;
  let targetPid = child?.pid ?? request.pid ?? 0;
  let sidecar: PtraceSidecar | undefined;
  // The sidecar's hits end the run like any other handler's: set once the event loop is set up.
  let afterSidecarHit = () => session.flush();
  // Set up as soon as the tracepoints are armed, before anything is said to be armed: the
  // processes running a lifecycle program then are found before the user starts new ones.
  let follower: ProcessFollower | undefined;
  const startFollowing = () => {
    if (!kernel.processEvents) return;
    follower = new ProcessFollower(request.plan, session, targetPid);
    if (targetPid === 0) follower.beginRunning();
    // -c: the command begins at its exec, unless the shell is the user's (a compound command)
    else if (request.command !== undefined && shellCommand(request.command) !== request.command) follower.known(targetPid);
    else follower.begins(targetPid);
  };
  if (session.running && byPtrace.length > 0) {
    if (request.pid !== undefined) {
      symbols.preload();
      rememberProcessStatus(request.pid);
    }
    ({ sidecar, targetPid } = await armWithSidecar(session, kernel, request, symbols, byPtrace, () => afterSidecarHit()));
    startFollowing();
  } else if (session.running) {
    // A process given with -p is mapped already: keep its mappings for unwinding and symbols
    // (records may be handled after it is gone).
    if (request.pid !== undefined) {
      symbols.preload();
      rememberProcessStatus(request.pid);
    }
    if (kernel.mapsSnapshot) kernel.requestMapsSnapshot();
    kernel.attach(targetPid === 0 ? undefined : targetPid, request.handlerName !== undefined);
    startFollowing();
    releaseUprobeWarmUp();
    request.log(`probes armed${targetPid ? ` for process ${targetPid}` : ' for every process running the probed files'}`);
    if (kernel.processEvents && targetPid) request.log('following its children: probes in programs fire in every process running them and keep to the target and its descendants (a set the kernel handlers look up); probes in shared libraries keep to the target');
    if (request.handlerName !== undefined) {
      const name = request.handlerName;
      const dir = registerHandlers(kernel, {
        name,
        detached: request.detach,
        plan: request.plan,
        records: [...kernel.records.values()],
        targetPid: targetPid === 0 ? undefined : targetPid,
        command: request.command,
        script: request.script,
      });
      registration.registered = true;
      request.log(`handlers registered as ${name} (${dir})`);
      if (request.detach) {
        session.flush();
        process.stderr.write(`utap: handlers '${name}' keep collecting${targetPid ? ` in process ${targetPid}` : ''}; see them with: utap handlers show ${name}; remove them with: utap handlers rm ${name}\n`);
        return 0;
      }
    }
  }
  // As on the ptrace engine, a command whose begin probes already ended the session runs on, untraced.
  letGo(launch);

  const reader = new RingBufferReader(kernel.ring);
  kernel.reader = reader;
  const dispatch = recordDispatcher(session, routes, targetPid, symbols);
  // The -c shell's own mappings, before it execs the command: a snapshot of these came too early.
  const shellImage = kernel.mapsSnapshot && child?.pid ? fileMappingsSignature(child.pid) : undefined;
  let early = 0;
  const onRecord = (record: Buffer) => {
    const event = follower && decodeProcessEvent(record);
    if (event) return follower!.onEvent(event);
    if (record.readUInt32LE(0) !== SNAPSHOT_RECORD_ID) return dispatch(record);
    // A handler stopped its process for this: read its mappings (again at the next hit while it
    // is still the shell), then let it go on.
    const pid = record.readUInt32LE(8);
    symbols.reset(pid); // maybe a new image: what was known of the previous one is stale
    symbols.preload();
    rememberProcessStatus(pid);
    if (shellImage !== undefined && early < MAX_EARLY_SNAPSHOTS && fileMappingsSignature(pid) === shellImage) {
      early++;
      kernel.requestMapsSnapshot();
    }
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone (killed meanwhile)
    }
  };
  const drain = () => {
    reader.consume(onRecord);
    session.flush();
  };

  return driveSession({
    session,
    signals,
    timers: session.plan.timers,
    // Whatever ends the session, the records already in the ring were hits before it ended: they
    // are applied first (a stopped session ignores hits, and the target's exit can be seen by the
    // event loop before the ring's last records are).
    pending: drain,
    sources: (callback, fail) => {
      reader.watch(callback(drain));
      // The sidecar's hits end the run like any other handler's.
      afterSidecarHit = callback(() => session.flush());
      sidecar?.done.catch(fail);
      return () => reader.unwatch();
    },
    // -c: the child utap started; -p, or a -c command the sidecar started: the process by pid.
    // System-wide: only a signal, exit() or an error ends it.
    target: () => (child && request.command !== undefined ? { child, command: request.command } : targetPid !== 0 ? { pid: targetPid } : undefined),
    end: async (outcome) => {
      try {
        kernel.stopKernelHandlers();
      } finally {
        // The sidecar takes its breakpoints out first (it forwards no more hits once told to stop).
        sidecar?.stop();
      }
      const sidecarStatus = sidecar ? await sidecar.done.catch(() => 0) : 0;
      kernel.detach();
      drain();
      const lost = kernel.lostRecords();
      const skipped = kernel.busySkips();
      // The command's failure first (a -c command the sidecar started: its status); else incomplete output is a failed run.
      const commandFailure = outcome.status !== 0 ? outcome.status : sidecarStatus;
      const status = session.finish(commandFailure !== 0 ? commandFailure : lost + skipped > 0 ? EXIT_SCRIPT_ERROR : 0);
      if (outcome.warning && !session.failed) process.stderr.write(`${outcome.warning}\n`);
      if (lost > 0) process.stderr.write(`${lostRecordsWarning(lost)}\n`);
      if (follower && !session.failed && targetPid !== 0) for (const w of follower.unranWarnings(request.plan.sites)) process.stderr.write(`${w}\n`);
      if (skipped > 0) process.stderr.write(`${busySkipsWarning(skipped)}\n`);
      return status;
    },
  });
}

/**
 * Whether the kernel keeps a set of traced processes (process-follow.ts): with a target, to
 * follow its children (not for
 * registered handlers, which outlive utap: they keep to the target); system-wide, only for
 * lifecycle probes. With a ptrace sidecar, the sidecar follows the children for its own sites.
 */
function followMode(request: EngineRunRequest, targetPid: number): 'target' | 'everyProcess' | undefined {
  // UTAP_FOLLOW=0: the target alone, every uprobe pid-filtered (bench/ compares the two)
  if (request.handlerName !== undefined || process.env.UTAP_FOLLOW === '0') return undefined;
  if (targetPid !== 0 || request.pid !== undefined || request.command !== undefined) return 'target';
  return (request.plan.lifecycle?.length ?? 0) > 0 ? 'everyProcess' : undefined;
}
/** Snapshots taken in the -c shell before its exec, at most (each stops the shell once). */
const MAX_EARLY_SNAPSHOTS = 64;

function busySkipsWarning(skipped: number): string {
  const what = skipped === 1 ? '1 probe hit was' : `${skipped} probe hits were`;
  return `utap: warning: ${what} not counted: its kernel handler was still running on that CPU for another thread's hit (preempted, or waiting for a page of the target to be read in), whose scratch memory it would have overwritten; the results miss those hits.`;
}

function lostRecordsWarning(lost: number): string {
  const what = lost === 1 ? '1 record' : `${lost} records`;
  return `utap: warning: ${what} from the kernel handlers (printf output, event-mode hits) could not be sent: the ${RING_BYTES >> 20} MiB ring buffer to utap was full, so the output is incomplete; print less per hit, or count and aggregate in the handler.`;
}
