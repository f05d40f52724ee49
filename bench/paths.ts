// Where the benchmark finds things, seen from a compiled module under dist/bench.
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const benchBuild = path.join(repoRoot, 'build', 'bench');
/** The utap command as a user runs it (bin/utap, the launcher in front of bin/utap.js). */
export const utapCommand = path.join(repoRoot, 'bin', 'utap');
/** utap's engines driven from IR, without the script front end (bench/engine-driver.ts). */
export const engineDriver = path.join(__dirname, 'engine-driver.js');
/** A Prometheus-like scraper for the --metrics rows (bench/scrape-loop.ts). */
export const scrapeLoop = path.join(__dirname, 'scrape-loop.js');
export const runMeasured = path.join(benchBuild, 'run-measured');
export const ptraceFloor = path.join(benchBuild, 'ptrace-floor');
export const resultsDir = path.join(repoRoot, 'bench', 'results');
