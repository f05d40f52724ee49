// What SystemTap's BPF runtime (`stap --runtime=bpf`, SystemTap 4.8 from Debian) needs to run on
// this machine, where there are no kernel headers or modules (CONFIG_MODULES is off), root lacks
// CAP_SYS_RESOURCE, and debugfs is not mounted:
//
//  1. a fake kernel build tree for `-r DIR`: the running kernel's .config (/proc/config.gz),
//     include/config/kernel.release, an empty Makefile, a Module.symvers naming the uprobe
//     exports stap checks for, and a System.map with arch_uretprobe_hijack_return_addr, the
//     symbol stap takes as proof that return probes work;
//  2. the memlock workaround: stapbpf insists on raising RLIMIT_MEMLOCK to infinity, which fails
//     without CAP_SYS_RESOURCE; build/stap-memlock-shim.so (LD_PRELOAD) makes that one request
//     succeed as a no-op (BPF memory is charged to the memory cgroup since Linux 5.11);
//  3. debugfs mounted, with tracefs at /sys/kernel/debug/tracing (stapbpf writes uprobe_events
//     there);
//  4. PATH with the debug psql's directory first: stap resolves process("psql") through PATH
//     (finding Debian's perl wrapper /usr/bin/psql otherwise), not through -c's target;
//  5. a script variant: stap rejects the lecture's script as written (its arrays have no
//     `global` declarations) and the BPF back end does not support sorted iteration over
//     statistics (`foreach ([q] in queries-)`), so the variant declares its globals and prints
//     unsorted at the end; `@entry($query)` is spelled out.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDir } from '../test/support/paths';

export const STAP_BPF_SCRIPT = `global entry, queries
probe process("psql").function("SendQuery").call { entry[tid()] = gettimeofday_us() }
probe process("psql").function("SendQuery").return {
  tid = tid()
  if (!([tid] in entry)) next
  query = user_string(@entry($query))
  queries[query] <<< gettimeofday_us() - entry[tid]
  delete entry[tid]
}
probe end {
  printf("%2s %6s %-40s\\n", "#", "uS", "query")
  foreach ([q] in queries)
    printf("%2d %6d %-40s\\n", @count(queries[q]), @avg(queries[q]), q)
}
`;

const UPROBE_EXPORTS = ['uprobe_register', 'uprobe_unregister', 'uprobe_register_refctr', 'uprobe_unregister_nosync', 'uprobe_unregister_sync'];

/** Makes the fake build tree (cached); returns its path, or throws with the reason. */
export function fakeKernelBuildTree(): string {
  const dir = path.join(os.homedir(), '.cache', 'utap', `stap-kbuild-${os.release()}`);
  if (fs.existsSync(path.join(dir, 'System.map'))) return dir;
  fs.mkdirSync(path.join(dir, 'include', 'config'), { recursive: true });
  const config = spawnSync('sh', ['-c', 'zcat /proc/config.gz'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (config.status !== 0) throw new Error('/proc/config.gz is not readable, so there is no .config for the fake build tree');
  fs.writeFileSync(path.join(dir, '.config'), config.stdout);
  fs.writeFileSync(path.join(dir, 'include', 'config', 'kernel.release'), os.release() + '\n');
  fs.writeFileSync(path.join(dir, 'Makefile'), '');
  fs.writeFileSync(path.join(dir, 'Module.symvers'), UPROBE_EXPORTS.map((s) => `0x00000000\t${s}\tvmlinux\tEXPORT_SYMBOL_GPL\t\n`).join(''));
  const kallsyms = fs.readFileSync('/proc/kallsyms', 'utf8').split('\n').filter((l) => / (_stext|arch_uretprobe_hijack_return_addr)$/.test(l));
  fs.writeFileSync(path.join(dir, 'System.map'), kallsyms.join('\n') + '\n');
  return dir;
}

/** Mounts debugfs and tracefs under it if needed; undefined when ready, else why not. */
export function mountDebugfsTracing(): string | undefined {
  const events = '/sys/kernel/debug/tracing/uprobe_events';
  if (fs.existsSync(events)) return undefined;
  const r = spawnSync('sh', ['-c', 'mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug; [ -e /sys/kernel/debug/tracing/uprobe_events ] || mount -t tracefs nodev /sys/kernel/debug/tracing'], { encoding: 'utf8' });
  return fs.existsSync(events) ? undefined : `could not mount debugfs/tracefs at /sys/kernel/debug/tracing: ${r.stderr.trim()}`;
}

export const MEMLOCK_SHIM = path.join(buildDir, 'stap-memlock-shim.so');

/** The environment stap runs in: the shim preloaded and the debug psql first on PATH. */
export function stapEnv(psql: string): NodeJS.ProcessEnv {
  return { ...process.env, LD_PRELOAD: MEMLOCK_SHIM, PATH: `${path.dirname(psql)}:${process.env.PATH ?? ''}` };
}
