// Workloads with known ground truth: which statements a client sends and how many times each.
// A workload renders to a psql script (psql -f FILE, or fed to an interactive psql on stdin);
// the bundled C client (runtime-c/psql/qclient.c) reads the same format. Every statement is one
// line, ends with ';' and is distinct, so the report's query text, the server log's statement
// text and the workload's own text are the same string.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WorkloadStatement {
  sql: string;
  times: number;
}

export interface Workload {
  name: string;
  /** Run once first, in order, counted like the rest (e.g. CREATE TEMP TABLE). */
  setup: WorkloadStatement[];
  /** Interleaved in rounds: round r sends every statement whose count is still above r. */
  statements: WorkloadStatement[];
}

/**
 * The standard workload: a cheap statement, CPU-bound ones, ones with a known floor
 * (pg_sleep) and writes. At most ten distinct statements, so the seed script's `limit 10`
 * report shows every one in each block.
 */
export const STANDARD_WORKLOAD: Workload = {
  name: 'standard',
  setup: [{ sql: 'CREATE TEMP TABLE utap_items (id int, name text);', times: 1 }],
  statements: [
    { sql: 'SELECT 1;', times: 30 },
    { sql: 'SELECT count(*) FROM generate_series(1, 50000);', times: 8 },
    { sql: 'SELECT pg_sleep(0.02);', times: 4 },
    { sql: 'INSERT INTO utap_items SELECT g, md5(g::text) FROM generate_series(1, 200) g;', times: 5 },
    { sql: 'SELECT count(*), sum(id) FROM utap_items;', times: 10 },
    { sql: "SELECT name FROM utap_items WHERE id = 7;", times: 6 },
  ],
};

/** A workload for overhead measurements: many cheap round trips, so per-call costs dominate. */
export function roundTripWorkload(times: number): Workload {
  return { name: `select-1-x${times}`, setup: [], statements: [{ sql: 'SELECT 1;', times }] };
}

/** Statements in the order they are sent. */
export function workloadSequence(w: Workload): string[] {
  const out: string[] = [];
  for (const s of w.setup) for (let i = 0; i < s.times; i++) out.push(s.sql);
  const rounds = Math.max(0, ...w.statements.map((s) => s.times));
  for (let r = 0; r < rounds; r++) for (const s of w.statements) if (s.times > r) out.push(s.sql);
  return out;
}

/** statement text → how many times the workload sends it. */
export function expectedCounts(w: Workload): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sql of workloadSequence(w)) counts.set(sql, (counts.get(sql) ?? 0) + 1);
  return counts;
}

/** The workload as a psql script; `\q` is left to the caller (psql -f ends at end of file). */
export function workloadScript(w: Workload): string {
  return workloadSequence(w).join('\n') + '\n';
}

/** Writes the workload to DIR/NAME.sql and returns the path. */
export function writeWorkload(w: Workload, dir: string): string {
  const file = path.join(dir, `${w.name}.sql`);
  fs.writeFileSync(file, workloadScript(w));
  return file;
}
