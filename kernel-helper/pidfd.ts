// A process's exit as an event on the event loop: pidfd_open(2) gives a file descriptor that
// turns readable when the process exits (zombie or reaped), and koffi's poll handle watches it.
// Used by the session driver (tracer/runtime/session-driver.ts) for -p and for a process another
// engine started; it falls back to polling /proc where this is refused.
import { koffi } from './ffi';
import { errno, sys } from './libc';
import { __NR_pidfd_open } from './uapi';

const ESRCH = 3;

/**
 * Calls `onExit` once when process `pid` exits. Returns what stops watching, 'gone' when the
 * process is gone already (onExit is not called), or undefined when pidfd_open is refused (an old
 * kernel, a seccomp filter): the caller watches some other way.
 */
export function watchPidfd(pid: number, onExit: () => void): (() => void) | 'gone' | undefined {
  const fd = Number(sys.syscallIntUint(__NR_pidfd_open, pid, 0));
  if (fd < 0) return errno() === ESRCH ? 'gone' : undefined;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    handle.close();
    sys.close(fd);
  };
  const handle = koffi.node.poll(fd, { readable: true }, () => {
    close();
    onExit();
  });
  return close;
}
