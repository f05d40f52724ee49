// Small C programs with known ground truth for the DWARF tests, compiled with gcc into a temp
// directory (once per flag set and source text) until runtime-c/fixtures provides the full set.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Parameters of every kind, locals in nested blocks, an inlined function, a function pointer. */
export const PARAMS_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum color { RED = 1, GREEN = 2, BLUE = -3 };
typedef unsigned long ulong_t;
struct point { int x; int y; };
struct flags { unsigned a : 3; signed b : 5; unsigned c : 1; long d; };
union number { int i; float f; char bytes[4]; };
struct node { int value; struct node *next; const char *label; struct point pos; int grid[2][3]; };
typedef int (*callback_t)(int, const char *);

int same_name_other(int);

static int callback_impl(int n, const char *s) { return n + (int)strlen(s); }

__attribute__((noinline)) long take_ints(char c, unsigned char uc, short s, unsigned short us, int i,
                                         unsigned u, long l, unsigned long ul, long long ll) {
  return c + uc + s + us + i + u + l + (long)ul + ll;
}

__attribute__((noinline)) long take_pointers(const char *str, struct node *node, int *ip, void *vp,
                                             callback_t cb, enum color color, ulong_t ul) {
  return (long)strlen(str) + node->value + *ip + (vp != 0) + cb(1, str) + color + (long)ul;
}

__attribute__((noinline)) long take_structs(struct point p, struct flags f, union number n,
                                            struct node *list, int arr[4]) {
  return p.x + p.y + f.a + f.b + f.c + f.d + n.i + list->next->value + arr[3];
}

static inline int square(int v) { return v * v; }

__attribute__((noinline)) int with_locals(int n) {
  static int calls;
  int total = 0;
  calls++;
  for (int i = 0; i < n; i++) {
    int sq = square(i);
    total += sq;
  }
  return total;
}

static __attribute__((noinline)) int same_name(int x) { return x + 1; }

int main(int argc, char **argv) {
  struct node second = { 7, 0, "second", { 5, 6 }, { { 1, 2, 3 }, { 4, 5, 6 } } };
  struct node first = { 42, &second, "first", { 3, 4 }, { { 0 } } };
  struct point p = { -5, 9 };
  struct flags f = { 5, -3, 1, 123456789L };
  union number n = { .i = 0x41424344 };
  int arr[4] = { 10, 20, 30, 40 };
  int value = 17;
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  long sum = 0;
  for (int r = 0; r < rounds; r++) {
    sum += take_ints(-3, 250, -1234, 60000, -100000, 3000000000u, -5000000000L, 18000000000000000000UL, -7LL);
    sum += take_pointers("hello", &first, &value, &value, callback_impl, BLUE, 99UL);
    sum += take_structs(p, f, n, &first, arr);
    sum += with_locals(4) + square(rounds) + same_name(r) + same_name_other(r);
    sum += with_locals(4) - 14;
  }
  printf("%ld\n", sum);
  return 0;
}
`;

/** A second unit: a static function with the same name as one in PARAMS_C. */
export const OTHER_C = String.raw`
static __attribute__((noinline)) int same_name(int x) { return x * 3; }
int same_name_other(int x) { return same_name(x) - 1; }
`;

export interface Variant {
  name: string;
  flags: string[];
}

/** The four builds every DWARF test runs on. */
export const VARIANTS: Variant[] = [
  { name: 'O0-dwarf5', flags: ['-O0', '-g'] },
  { name: 'O2-dwarf5', flags: ['-O2', '-g'] },
  { name: 'O0-dwarf4', flags: ['-O0', '-gdwarf-4'] },
  { name: 'O2-dwarf4', flags: ['-O2', '-gdwarf-4'] },
];

/** A position-dependent executable (ET_EXEC): link-time addresses are run-time addresses. */
export const NO_PIE: Variant = { name: 'O2-dwarf5-no-pie', flags: ['-O2', '-g', '-no-pie'] };

/** Compiles `sources` (file name → text) with `flags` and returns the executable's path. */
export function buildProgram(name: string, sources: Record<string, string>, flags: string[]): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify([sources, flags])).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'utap-dwarf-tests', `${name}-${hash}`);
  const exe = path.join(dir, name);
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(dir, { recursive: true });
  const files = Object.entries(sources).map(([file, text]) => {
    fs.writeFileSync(path.join(dir, file), text);
    return file;
  });
  const tmp = `${exe}.${process.pid}.tmp`;
  execFileSync('gcc', [...flags, '-fno-omit-frame-pointer', '-o', tmp, ...files], { cwd: dir, stdio: 'pipe' });
  fs.renameSync(tmp, exe);
  return exe;
}

export function paramsProgram(variant: Variant): string {
  return buildProgram(`params-${variant.name}`, { 'params.c': PARAMS_C, 'other.c': OTHER_C }, variant.flags);
}

/** libc's separate debug file (libc6-dbg), if installed. */
export function libcDebugFile(): string | undefined {
  try {
    const notes = execFileSync('readelf', ['-n', '/lib/x86_64-linux-gnu/libc.so.6'], { encoding: 'utf8' });
    const id = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1];
    if (!id) return undefined;
    const file = `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
    return fs.existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** A copy of `file` with its debug sections decompressed (objdump cannot read some compressed ones). */
export function decompressedCopy(file: string): string {
  const dir = path.join(os.tmpdir(), 'utap-dwarf-tests');
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${path.basename(file)}.${fs.statSync(file).size}.decompressed`);
  if (!fs.existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('objcopy', ['--decompress-debug-sections', file, tmp]);
    fs.renameSync(tmp, out);
  }
  return out;
}
