// Why a few values live on `process` rather than in a module: tracer/cli/launch-warm-up.ts loads
// a few kernel-helper modules (ffi, libc, uprobe-pmu, uprobe-warmup) from dist/ before the CLI
// bundle, so the kernel's grace period for the first uprobe starts while the bundle is still being
// read and compiled; the bundle then holds its own copies of those modules. A value both copies
// must agree on (koffi, the bound libc functions, the warm-up's state) is kept on `process` under
// a registered symbol, where every copy finds it: one per thread, as `process` is. Nothing else
// uses this: a module the launcher does not load before the bundle has one copy and needs none.
// (Loading the warm-up from the bundle instead would remove this file and start the warm-up a
// bundle load later.)

/** The value registered under `name` on this thread, made by `make` on first use. */
export function processShared<T>(name: string, make: () => T): T {
  const holder = process as unknown as Record<symbol, T | undefined>;
  return (holder[Symbol.for(`utap.${name}`)] ??= make());
}
