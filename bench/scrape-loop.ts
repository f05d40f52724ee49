// What Prometheus does to a `utap --metrics` run, for the bench's scraped rows: GET the endpoint
// every INTERVAL ms until killed (connection refused while utap starts or after it ended is
// fine), so the per-hit cost of those rows includes being scraped.
//
//   node dist/bench/scrape-loop.js URL INTERVAL_MS
import * as http from 'node:http';

const [url, interval] = [process.argv[2], Number(process.argv[3] ?? 100)];

function scrape(): void {
  const req = http.get(url, { timeout: interval }, (res) => res.resume());
  req.on('timeout', () => req.destroy());
  req.on('error', () => undefined);
}

setInterval(scrape, interval);
