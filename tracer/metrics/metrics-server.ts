// The HTTP endpoint Prometheus scrapes: GET /metrics answers with the exposition of whatever
// `collect` returns at that moment; every other path is 404. Binds to loopback unless the
// address names another host: the aggregates may carry query text, file names, user data.
//
// A scrape reads copies of the aggregates (kernel maps read without locking the handlers out,
// or a snapshot the ptrace worker posts between two hits), so it never stops the traced process.
import * as http from 'node:http';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import { CONTENT_TYPE } from './exposition';

export const DEFAULT_METRICS_PORT = 9464;

export interface ListenAddress {
  host: string;
  port: number;
}

/** `PORT`, `HOST:PORT`, `[V6]:PORT` or `:PORT` (loopback) → where to listen. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?([0-9]{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UtapError(`'${text}' is not a listen address; write PORT, HOST:PORT or [::1]:PORT, e.g. 127.0.0.1:${DEFAULT_METRICS_PORT}.`, EXIT_SCRIPT_ERROR);
  const host = m[1] === undefined || m[1] === '' ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

export interface MetricsServer {
  /** The address actually bound (port 0 picks a free one). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

/**
 * Starts serving; resolves once listening, or fails with one sentence (address in use, no
 * permission). `holdOpen`: the server alone keeps the process running (`utap handlers serve`);
 * otherwise it lives as long as the trace does.
 */
export function serveMetrics(where: ListenAddress, collect: () => Promise<string> | string, holdOpen = false): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('utap serves /metrics\n');
      return;
    }
    Promise.resolve()
      .then(collect)
      .then(
        (body) => res.writeHead(200, { 'Content-Type': CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : body),
        (error: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`utap: ${(error as Error)?.message ?? String(error)}\n`),
      );
  });
  // Scrapers keep connections alive; none of them may hold utap open at its end.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is in use' : error.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' ? 'no such local address' : error.message;
      reject(new UtapError(`cannot serve metrics on ${where.host}:${where.port}: ${why}; choose another address with --metrics/--listen.`, EXIT_ENVIRONMENT));
    });
    server.listen(where.port, where.host, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound ? bound.port : where.port;
      if (!holdOpen) server.unref();
      resolve({
        address: { host: where.host, port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
