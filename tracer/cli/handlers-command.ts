// `utap handlers [list | show NAME | rm NAME]` — kernel handlers registered with --name:
//   list     one line per registration: name, owner, target, state, script
//   show     the script's `end` probes run over the registration's pinned maps (after what
//            detached handlers sent through the ring buffer: printf output, runtime errors)
//   rm       unpins everything: the uprobes are disarmed, the maps freed
//   serve    an HTTP endpoint for Prometheus: every readable registration's globals at each scrape
// Reading or removing needs the right to trace the target (registration.ts: checkAccess).
// (This module is loaded only for `utap handlers`; what one action alone needs, showing through a
// Session or serving over HTTP, is required by that action.)
import * as fs from 'node:fs';
import * as registry from '../../kernel-helper/registry';
import { checkAccess, checkHandlerName, loadRegistration } from '../engine/uprobe/registration';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import { StopSignals } from '../runtime/stop-signals';

export interface HandlersOptions {
  json: boolean;
  /** serve: [HOST:]PORT to listen on. */
  listen?: string;
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  return fs.existsSync(`/proc/${pid}`);
}

export async function handlersCommand(action: string, name: string | undefined, options: HandlersOptions): Promise<number> {
  if (action !== 'list' && action !== 'show' && action !== 'rm' && action !== 'serve') {
    throw new UtapError(`'${action}' is not a handlers action; use utap handlers list, utap handlers show NAME, utap handlers rm NAME or utap handlers serve.`, EXIT_SCRIPT_ERROR);
  }
  if (action === 'list') return list(options);
  if (action === 'serve') return serve(options);
  if (name === undefined) throw new UtapError(`utap handlers ${action} needs the NAME the handlers were registered with (utap handlers list shows them).`, EXIT_SCRIPT_ERROR);
  return action === 'show' ? show(name, options) : remove(name);
}

function list(options: HandlersOptions): number {
  const rows: Array<Record<string, unknown>> = [];
  for (const name of registry.registeredNames()) {
    try {
      const { meta } = loadRegistration(name);
      const state = meta.detached ? 'detached' : alive(meta.utapPid) ? `attached to utap ${meta.utapPid}` : 'left by a utap that died';
      const target = meta.target.pid !== undefined ? `pid ${meta.target.pid}${alive(meta.target.pid) ? '' : ' (exited)'}` : meta.target.command !== undefined ? `-c ${meta.target.command}` : 'every process';
      rows.push({ name, owner: meta.owner.user, target, state, script: meta.script.file, probes: meta.probes.length, created: meta.created });
    } catch (error) {
      if (!(error instanceof UtapError)) throw error;
      rows.push({ name, owner: '?', target: '?', state: 'unreadable', script: '?', probes: 0, created: '' });
    }
  }
  if (options.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify({ type: 'handlers', ...r })}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write('no registered handlers\n');
    return 0;
  }
  const head = ['NAME', 'OWNER', 'TARGET', 'STATE', 'PROBES', 'SCRIPT'];
  const cells = rows.map((r) => [String(r.name), String(r.owner), String(r.target), String(r.state), String(r.probes), String(r.script)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [head, ...cells]) process.stdout.write(`${line.map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
  return 0;
}

/** Serves until a stop signal (runtime/stop-signals.ts); prints the address it listens on (port 0 picks a free one). */
async function serve(options: HandlersOptions): Promise<number> {
  const { parseListenAddress, serveMetrics, DEFAULT_METRICS_PORT } = require('../metrics/metrics-server') as typeof import('../metrics/metrics-server');
  const { registeredMetrics } = require('../metrics/registered-metrics') as typeof import('../metrics/registered-metrics');
  const server = await serveMetrics(parseListenAddress(options.listen ?? `127.0.0.1:${DEFAULT_METRICS_PORT}`), registeredMetrics, true);
  const { host, port } = server.address;
  process.stderr.write(`utap: serving registered handlers' metrics at http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics (Ctrl-C to stop)\n`);
  const signals = new StopSignals();
  await new Promise<void>((resolve) => signals.forward(() => resolve()));
  signals.close();
  await server.close();
  return 0;
}

function show(name: string, options: HandlersOptions): number {
  const { showRegistration } = require('../engine/uprobe/registration-show') as typeof import('../engine/uprobe/registration-show');
  const { meta, owner } = loadRegistration(name);
  checkAccess(meta, owner, 'read');
  return showRegistration(meta, { json: options.json });
}

function remove(name: string): number {
  checkHandlerName(name);
  if (!registry.registeredNames().includes(name)) throw new UtapError(`no handlers are registered as '${name}'; utap handlers list shows those that are.`, EXIT_ENVIRONMENT);
  try {
    const { meta, owner } = loadRegistration(name);
    checkAccess(meta, owner, 'remove');
  } catch (error) {
    // A half-registered entry (no description) may still be removed by its owner or root.
    if (!(error instanceof UtapError) || !/half-registered/.test(error.message)) throw error;
    const uid = process.getuid?.() ?? 0;
    if (uid !== 0 && registry.registrationOwner(name) !== uid) throw new UtapError(`you may not remove handlers '${name}': only their owner or root may.`, EXIT_ENVIRONMENT);
  }
  try {
    registry.removeRegistration(name);
  } catch (error) {
    throw new UtapError(`cannot remove handlers '${name}' (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, EXIT_ENVIRONMENT);
  }
  return 0;
}
