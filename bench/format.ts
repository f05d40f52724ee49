// Number formats shared by the report writers.
export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (a >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(a >= 100 ? 0 : 1)} ns`;
}

export function formatNumber(n: number, digits = 2): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(digits);
}
