// `utap --metrics ADDR`: the running script's globals served to Prometheus while it runs. The
// server starts before the engine, so a scrape that comes before the session exists gets the
// last values read, or nothing; once the engine publishes how to read its globals, each scrape
// renders a fresh copy of them. The server closes when the run ends.
import type { ProgramIR } from '../ir/ir';
import type { GlobalSnapshot } from '../runtime/global-snapshot';
import { MetricsView, metricName } from './exposition';
import { serveMetrics, type ListenAddress, type MetricsServer } from './metrics-server';

export class LiveMetrics {
  private read: (() => Promise<GlobalSnapshot[]>) | undefined;
  private last: GlobalSnapshot[] | undefined;
  private readonly view: MetricsView;

  private constructor(program: ProgramIR, handlerName: string | undefined, private readonly server: MetricsServer) {
    this.view = new MetricsView(handlerName === undefined ? 'utap' : `utap_${metricName(handlerName)}`, program);
  }

  /** Serves `program`'s globals at `where` (names `utap_GLOBAL`, or `utap_NAME_GLOBAL` with --name). */
  static async start(where: ListenAddress, program: ProgramIR, handlerName?: string): Promise<LiveMetrics> {
    let live: LiveMetrics | undefined;
    const server = await serveMetrics(where, () => live?.collect() ?? '');
    live = new LiveMetrics(program, handlerName, server);
    return live;
  }

  get address(): ListenAddress {
    return this.server.address;
  }

  /** What the engine gives (EngineRunRequest.publishGlobals). */
  publish(read: () => Promise<GlobalSnapshot[]>): void {
    this.read = read;
  }

  private async collect(): Promise<string> {
    if (this.read) this.last = await this.read();
    return this.last ? this.view.render(this.last) : '';
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
