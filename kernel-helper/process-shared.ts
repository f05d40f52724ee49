// tracer/cli/early-warm-up.ts loads a few kernel-helper modules from dist/ before the CLI bundle,
// which holds its own copies of them. A value both copies must agree on (koffi, the bound libc
// functions, the warm-up's state) is kept on `process` under a registered symbol, where every
// copy finds it: one per thread, as `process` is.

/** The value registered under `name` on this thread, made by `make` on first use. */
export function processShared<T>(name: string, make: () => T): T {
  const holder = process as unknown as Record<symbol, T | undefined>;
  return (holder[Symbol.for(`utap.${name}`)] ??= make());
}
