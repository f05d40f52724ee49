// The machine a run was taken on, for the report: figures mean little without it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Machine } from './results';
import { toolVersion } from './tool-availability';

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch {
    // no os-release
  }
  return `${os.type()} ${os.release()}`;
}

export function describeMachine(): Machine {
  const versions: Record<string, string> = {};
  const probes: Array<[string, string, string[]]> = [
    ['gdb', 'gdb', ['--version']], ['strace', 'strace', ['-V']], ['ltrace', 'ltrace', ['-V']],
    ['bpftrace', 'bpftrace', ['--version']], ['gcc', 'gcc', ['--version']],
  ];
  for (const [name, command, args] of probes) {
    const v = toolVersion(command, args);
    if (v) versions[name] = v;
  }
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: osName(),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    versions,
  };
}
