// A real Prometheus server for the metrics tests: Debian's `prometheus` package (installed here
// as root when missing, as scripts/system-packages.sh does for the other oracles), started on a
// free loopback port with its own config and data folder, scraping the given targets every
// 100 ms, queried through its HTTP API, and stopped (folder removed) by stop().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SCRAPE_INTERVAL = '100ms';

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const full = path.join(dir, command);
    if (fs.existsSync(full)) return full;
  }
  return undefined;
}

/** Undefined when prometheus and promtool are there (installing them as root if needed); else why not. */
export function prometheusMissing(): string | undefined {
  if (which('prometheus') && which('promtool')) return undefined;
  if (process.getuid?.() !== 0) return 'Debian\'s prometheus package is not installed (apt-get install prometheus, as root)';
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    return `installing Debian's prometheus package failed: ${(error as Error).message}`;
  }
  return which('prometheus') && which('promtool') ? undefined : 'apt-get installed prometheus but prometheus/promtool are not on PATH';
}

/** A loopback port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class Prometheus {
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly url: string, private log: { text: string }) {}

  /** Starts a server scraping `targets` (HOST:PORT each) every SCRAPE_INTERVAL; resolves once it answers. */
  static async start(targets: string[]): Promise<Prometheus> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-prometheus-'));
    const config = [
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL}`,
      `  scrape_timeout: ${SCRAPE_INTERVAL}`,
      'scrape_configs:',
      '  - job_name: utap',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = { text: '' };
    child.stderr!.on('data', (d) => (log.text += d));
    const server = new Prometheus(child, dir, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await httpGet(`${server.url}/-/ready`, 1000)).status === 200) return server;
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus did not start: ${log.text.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** An instant query's vector result (empty when nothing matches). */
  async query(expr: string): Promise<Sample[]> {
    const { body } = await httpGet(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const reply = JSON.parse(body) as { status: string; error?: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (reply.status !== 'success') throw new Error(`query ${expr}: ${reply.error}`);
    if (reply.data.resultType === 'scalar') return [{ labels: {}, value: Number((reply.data.result as unknown as [number, string])[1]) }];
    return reply.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The one value `expr` gives, or undefined. */
  async value(expr: string): Promise<number | undefined> {
    const samples = await this.query(expr);
    return samples.length === 1 ? samples[0].value : undefined;
  }

  /** Polls `expr` until `accept` holds (bounded); returns the last samples either way. */
  async waitFor(expr: string, accept: (samples: Sample[]) => boolean, timeoutMs = 20_000): Promise<Sample[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const samples = await this.query(expr);
      if (accept(samples) || Date.now() > deadline) return samples;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Whether the scrape of the utap target is healthy (up == 1). */
  async targetsUp(): Promise<boolean> {
    return (await this.query('up')).every((s) => s.value === 1);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const closed = new Promise((r) => this.child.once('close', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.log = { text: '' };
  }
}

/** `promtool check metrics` over an exposition text: its exit status and what it said. */
export function promtoolCheck(exposition: string): { status: number; output: string } {
  try {
    const output = execFileSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
