// Dependencies point one way (docs/architecture.md): tracer → symbolizer, tracer → kernel-helper;
// kernel-helper (the kernel ABI) and symbolizer import nothing of ours outside themselves. Read
// from the sources, so a stray import fails here rather than in review.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers of `file`: import/export ... from, require(), import(). */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(m[1]);
  return found;
}

for (const folder of ['kernel-helper', 'symbolizer']) {
  test(`${folder}/ imports nothing of ours outside itself`, () => {
    const root = path.join(repoRoot, folder);
    const files = sources(root);
    assert.ok(files.length > 5, `${folder}/ has its sources`);
    const outside: string[] = [];
    for (const file of files) {
      for (const spec of relativeImports(file)) {
        const target = path.resolve(path.dirname(file), spec);
        if (path.relative(root, target).startsWith('..')) outside.push(`${path.relative(repoRoot, file)} imports ${spec}`);
      }
    }
    assert.equal(outside, []);
  });
}

test.run();
