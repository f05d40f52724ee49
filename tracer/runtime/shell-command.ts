// How utap runs a -c command: `/bin/sh -c LINE`, where LINE makes the command itself the traced
// process whenever it can, on every engine (so target() is the program's pid, and its exit
// status is the command's).

/**
 * The shell line that runs `command` as the traced process itself: a single command is prefixed
 * with `exec` (as gdb does), because the shell would otherwise run it in a forked child. A
 * compound command (`a; b`, pipes, `&&`) keeps the shell as the target: `exec` would end the
 * line at its first command (`exec true; exit 3` exits 0).
 */
export function shellCommand(command: string): string {
  const single = /^(?:[^;|()`\n&]|[<>]&)*$/.test(command);
  return single && !/^\s*exec\s/.test(command) ? `exec ${command}` : command;
}
