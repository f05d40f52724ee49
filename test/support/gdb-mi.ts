// A small driver for gdb's machine interface (MI2), for tests that use gdb as an oracle: start a
// program under gdb, set breakpoints, continue to each stop, read registers and evaluate C
// expressions there. gdb keeps the process stopped while the test reads its memory through
// /proc/PID/mem.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export type MiValue = string | MiValue[] | { [name: string]: MiValue };

export interface MiRecord {
  kind: 'result' | 'exec' | 'notify';
  token?: number;
  /** done / running / error / stopped / ... */
  class: string;
  results: { [name: string]: MiValue };
}

/** Parses the results part of an MI record: `a="x",b={c="y"},d=["1","2"]`. */
export function parseMiResults(text: string): { [name: string]: MiValue } {
  let i = 0;
  const cstring = (): string => {
    if (text[i] !== '"') throw new Error(`MI: expected a string at ${i} in ${text}`);
    i++;
    let out = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        i++;
        const c = text[i++];
        if (c === 'n') out += '\n';
        else if (c === 't') out += '\t';
        else if (/[0-7]/.test(c)) {
          let oct = c;
          while (oct.length < 3 && /[0-7]/.test(text[i])) oct += text[i++];
          out += String.fromCharCode(parseInt(oct, 8));
        } else out += c;
      } else out += text[i++];
    }
    i++;
    return out;
  };
  const value = (): MiValue => {
    const c = text[i];
    if (c === '"') return cstring();
    if (c === '{') {
      i++;
      const obj: { [name: string]: MiValue } = {};
      while (text[i] !== '}') {
        const [n, v] = result();
        obj[n] = v;
        if (text[i] === ',') i++;
      }
      i++;
      return obj;
    }
    if (c === '[') {
      i++;
      const list: MiValue[] = [];
      while (text[i] !== ']') {
        if (text[i] === '"' || text[i] === '{' || text[i] === '[') list.push(value());
        else {
          const [n, v] = result();
          list.push({ [n]: v });
        }
        if (text[i] === ',') i++;
      }
      i++;
      return list;
    }
    throw new Error(`MI: unexpected ${c} at ${i} in ${text}`);
  };
  const result = (): [string, MiValue] => {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    i = eq + 1;
    return [name, value()];
  };
  const out: { [name: string]: MiValue } = {};
  while (i < text.length) {
    const [n, v] = result();
    out[n] = v;
    if (text[i] === ',') i++;
    else break;
  }
  return out;
}

export class GdbMi {
  private buffer = '';
  private readonly records: MiRecord[] = [];
  private waiters: Array<() => void> = [];
  private token = 1;
  private exited = false;
  /** Console output (`~"..."` records) seen so far. */
  console = '';
  /** What gdb wrote on stderr, for failure messages. */
  stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, '');
        this.buffer = this.buffer.slice(nl + 1);
        this.line(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (this.stderr += d));
    child.on('exit', () => {
      this.exited = true;
      this.wake();
    });
  }

  static start(program: string, args: string[] = []): GdbMi {
    const child = spawn('gdb', ['-q', '-nx', '--interpreter=mi2', '--args', program, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new GdbMi(child);
  }

  private line(line: string): void {
    const m = /^(\d*)([\^*=])([a-z-]+),?(.*)$/.exec(line);
    if (m) {
      const kind = m[2] === '^' ? 'result' : m[2] === '*' ? 'exec' : 'notify';
      this.records.push({ kind, token: m[1] ? Number(m[1]) : undefined, class: m[3], results: parseMiResults(m[4]) });
      this.wake();
    } else if (line.startsWith('~"')) {
      this.console += parseMiResults(`x=${line.slice(1)}`).x as string;
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async next(match: (r: MiRecord) => boolean, timeoutMs = 30_000): Promise<MiRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.records.findIndex(match);
      if (i >= 0) return this.records.splice(i, 1)[0];
      if (this.exited) throw new Error(`gdb exited: ${this.stderr.trim().slice(-500)}`);
      if (Date.now() > deadline) throw new Error('gdb did not answer in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends an MI command and waits for its result record. */
  async command(command: string): Promise<MiRecord> {
    const token = this.token++;
    if (process.env.GDB_MI_TRACE) console.error(`gdb> ${command}`);
    this.child.stdin.write(`${token}${command}\n`);
    return this.next((r) => r.kind === 'result' && r.token === token);
  }

  /** Waits for the next `*stopped` record (breakpoint hit, exit, signal). */
  async stopped(timeoutMs = 60_000): Promise<MiRecord> {
    return this.next((r) => r.kind === 'exec' && r.class === 'stopped', timeoutMs);
  }

  /** Evaluates a C expression in the current frame: its value text, or undefined when gdb refuses (optimized out, ...). */
  async evaluate(expression: string): Promise<string | undefined> {
    const r = await this.command(`-data-evaluate-expression "${expression.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
    return r.class === 'done' ? (r.results.value as string) : undefined;
  }

  async close(): Promise<void> {
    if (!this.exited) {
      this.child.stdin.write('-gdb-exit\n');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.child.kill('SIGKILL');
          resolve();
        }, 5000);
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        if (this.exited) resolve();
      });
    }
  }
}
