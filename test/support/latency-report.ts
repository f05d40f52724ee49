// Reads the psql latency report the lecture's script prints (examples/psql-latency.stp):
// blocks of
//    #     uS query
//   30    187 SELECT 1;
//   (blank line)
// printed every 5 s (then emptied) and at the end. A query's totals are the sums over blocks.
export interface ReportRow { count: number; avgUs: number; query: string }

export interface QueryTotals { count: number; totalUs: number; avgUs: number }

const HEADER = /^\s*#\s+uS\s+query\s*$/;
const ROW = /^\s*(\d+)\s+(-?\d+) (.*?)\s*$/;

/** The report's blocks, in order; lines outside blocks (other output) are ignored. */
export function parseReportBlocks(text: string): ReportRow[][] {
  const blocks: ReportRow[][] = [];
  let current: ReportRow[] | undefined;
  for (const line of text.split('\n')) {
    if (HEADER.test(line)) {
      current = [];
      blocks.push(current);
      continue;
    }
    if (!current) continue;
    const m = ROW.exec(line);
    if (m) current.push({ count: Number(m[1]), avgUs: Number(m[2]), query: m[3] });
    else current = undefined;
  }
  return blocks;
}

/** query → count and average over every block (averages weighted by count). */
export function reportTotals(text: string): Map<string, QueryTotals> {
  const totals = new Map<string, QueryTotals>();
  for (const row of parseReportBlocks(text).flat()) {
    const t = totals.get(row.query) ?? { count: 0, totalUs: 0, avgUs: 0 };
    t.count += row.count;
    t.totalUs += row.count * row.avgUs;
    t.avgUs = t.totalUs / t.count;
    totals.set(row.query, t);
  }
  return totals;
}
