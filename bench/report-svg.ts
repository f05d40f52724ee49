// bench/report.svg: one horizontal bar per tool and target, on a log scale of the time each tool
// adds per event (the untraced bar is the loop's own time per event, for scale). Hand-written SVG:
// a group of bars per target, colours by kind of tool, skipped and failed rows named in grey.
import type { BenchResults, ResultRow } from './results';
import { formatNs } from './format';
import { repoRoot } from './paths';
import { repoRelative } from './repo-relative';

const WIDTH = 980;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 13;
const ROW_HEIGHT = 17;
const MIN_NS = 1;
const MAX_NS = 1e7;

function colour(row: ResultRow, family: string | undefined): string {
  if (row.tool === 'untraced') return '#9e9e9e';
  if (row.tool.startsWith('utap')) return family === 'kernel' ? '#1b7837' : '#2166ac';
  if (row.tool.startsWith('floor')) return '#762a83';
  return family === 'kernel' ? '#7fbf7b' : '#92c5de';
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The chart; paths under `root` (this repository) are written relative to it. */
export function writeSvgReport(results: BenchResults, root = repoRoot): string {
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const x = (ns: number): number => (Math.log10(Math.min(MAX_NS, Math.max(MIN_NS, ns))) - Math.log10(MIN_NS)) / (Math.log10(MAX_NS) - Math.log10(MIN_NS)) * plotWidth;
  const family = new Map(results.tools.map((t) => [t.name, t.family]));
  const body: string[] = [];
  let y = 90;
  for (const target of results.targets) {
    const rows = results.rows.filter((r) => r.target === target.name && r.status !== 'not-applicable');
    body.push(`<text x="10" y="${y}" class="target">${xml(target.name)} — ${xml(target.description)}</text>`);
    y += 8;
    for (const row of rows) {
      const top = y;
      body.push(`<text x="${LABEL_WIDTH - 6}" y="${top + BAR_HEIGHT - 2}" class="label" text-anchor="end">${xml(row.tool)}</text>`);
      if (row.status === 'measured') {
        const ns = row.tool === 'untraced' ? row.perEventNs!.median : row.overheadNs!.median;
        const w = Math.max(1, x(ns));
        body.push(`<rect x="${LABEL_WIDTH}" y="${top}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour(row, family.get(row.tool))}"><title>${xml(`${row.tool} on ${row.target}: ${formatNs(ns)} per event`)}</title></rect>`);
        const lo = x(Math.max(MIN_NS, row.tool === 'untraced' ? row.perEventNs!.min : row.overheadNs!.min));
        const hi = x(row.tool === 'untraced' ? row.perEventNs!.max : row.overheadNs!.max);
        body.push(`<line x1="${(LABEL_WIDTH + lo).toFixed(1)}" x2="${(LABEL_WIDTH + hi).toFixed(1)}" y1="${top + BAR_HEIGHT / 2}" y2="${top + BAR_HEIGHT / 2}" class="range"/>`);
        body.push(`<text x="${(LABEL_WIDTH + Math.max(w, hi) + 4).toFixed(1)}" y="${top + BAR_HEIGHT - 2}" class="value">${xml(row.tool === 'untraced' ? `${formatNs(ns)} (loop)` : formatNs(ns))}</text>`);
      } else {
        const reason = (row.reason ?? '').length > 100 ? `${row.reason!.slice(0, 99)}…` : row.reason ?? '';
        body.push(`<text x="${LABEL_WIDTH + 4}" y="${top + BAR_HEIGHT - 2}" class="skip">${xml(`${row.status}: ${reason}`)}</text>`);
      }
      y += ROW_HEIGHT;
    }
    y += 22;
  }
  const height = y + 10;
  const grid: string[] = [];
  for (let p = Math.log10(MIN_NS); p <= Math.log10(MAX_NS); p++) {
    const gx = LABEL_WIDTH + x(10 ** p);
    grid.push(`<line x1="${gx.toFixed(1)}" x2="${gx.toFixed(1)}" y1="66" y2="${height - 10}" class="grid"/>`);
    grid.push(`<text x="${gx.toFixed(1)}" y="62" class="axis" text-anchor="middle">${formatNs(10 ** p).replace('.00', '').replace('.0 ', ' ')}</text>`);
  }
  const title = `Time added per probe hit, by tool and target — ${results.date}, ${results.machine.cpus} CPUs, kernel ${results.machine.kernel}${results.quick ? ', --quick' : ''}`;
  const subtitle = [
    `log scale; bar = median of ${results.runsPerCell} runs, whisker = min–max; the untraced bar is the loop's own time per event`,
    'dark green: utap uprobe · dark blue: utap ptrace · purple: C ptrace floor · light green: other kernel-side tools · light blue: other ptrace tools',
  ];
  return repoRelative([
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    '<style>.target{font-size:13px;font-weight:bold}.label{font-size:11px}.value{font-size:10px;fill:#333}.skip{font-size:10px;fill:#888;font-style:italic}.axis{font-size:10px;fill:#555}.grid{stroke:#ddd;stroke-width:1}.range{stroke:#000;stroke-width:1}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" font-size="13">${xml(title)}</text>`,
    ...subtitle.map((line, i) => `<text x="10" y="${34 + 12 * i}" font-size="10" fill="#555">${xml(line)}</text>`),
    ...grid,
    ...body,
    '</svg>',
    '',
  ].join('\n'), root);
}
