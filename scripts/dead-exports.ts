// Lists exported names nothing else uses, read with the TypeScript checker (so `L.add` through a
// namespace import, re-exports and type-only uses count):
//   dead          used nowhere, not even in its own file: the code can go
//   local only    used in its own file only: the `export` can go
//   tests only    used outside its file by tests alone
//
//   node dist/scripts/dead-exports.js [FOLDER...]     (default: tracer symbolizer kernel-helper)
//
// A report for a person to judge, not a gate: an export may be kept on purpose (a contract
// module's types, the kernel's and the specs' constant tables, a reverse lookup), and what only the
// generated JavaScript calls (string-builtins.ts through `S.`, long.ts's operators) looks unused,
// since that code is a string; so does launch() (tracer/cli/launch.ts), which bin/utap.js calls.
import * as path from 'node:path';
import * as ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..', '..');
const folders = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['tracer', 'symbolizer', 'kernel-helper'];

const configFile = ts.readConfigFile(path.join(repoRoot, 'tsconfig.json'), ts.sys.readFile);
const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, repoRoot);
const program = ts.createProgram(config.fileNames, { ...config.options, noEmit: true, incremental: false });
const checker = program.getTypeChecker();
const ours = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !f.fileName.includes('node_modules'));

/** Every file that names each symbol (aliases resolved), outside the symbol's own declarations. */
const usedIn = new Map<ts.Symbol, Set<string>>();
function resolve(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}
for (const file of ours) {
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isDeclarationName = (parent as { name?: ts.Node }).name === node && !ts.isPropertyAccessExpression(parent) && !ts.isImportSpecifier(parent) && !ts.isExportSpecifier(parent);
      let symbol = isDeclarationName ? undefined : checker.getSymbolAtLocation(node);
      // `{ a }` in an object literal uses the value a; `const { a } = require(...)` uses the module's a
      if (ts.isShorthandPropertyAssignment(parent)) symbol = checker.getShorthandAssignmentValueSymbol(parent);
      if (ts.isBindingElement(parent) && ts.isObjectBindingPattern(parent.parent) && (parent.propertyName ?? parent.name) === node) {
        symbol = checker.getTypeAtLocation(parent.parent).getProperty(node.text);
      }
      if (symbol) {
        const target = resolve(symbol);
        // an import or re-export specifier names the symbol, but only a use elsewhere counts
        if (!ts.isImportSpecifier(parent) && !ts.isExportSpecifier(parent)) {
          let files = usedIn.get(target);
          if (!files) usedIn.set(target, (files = new Set()));
          files.add(file.fileName);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const rel = (f: string) => path.relative(repoRoot, f);
const isTest = (f: string) => rel(f).startsWith('test' + path.sep) || rel(f).startsWith('bench' + path.sep);
const report: Record<'dead' | 'local only' | 'tests only', string[]> = { dead: [], 'local only': [], 'tests only': [] };
for (const file of ours) {
  const name = rel(file.fileName);
  if (!folders.some((f) => name.startsWith(f + path.sep))) continue;
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = resolve(exported);
    if (target.declarations?.some((d) => d.getSourceFile() !== file)) continue; // a re-export: judged where it is declared
    const files = usedIn.get(target) ?? new Set<string>();
    const elsewhere = [...files].filter((f) => f !== file.fileName);
    const line = `${name}: ${exported.name}`;
    if (files.size === 0) report.dead.push(line);
    else if (elsewhere.length === 0) report['local only'].push(line);
    else if (elsewhere.every(isTest)) report['tests only'].push(line);
  }
}
for (const [kind, lines] of Object.entries(report)) {
  console.log(`${kind} (${lines.length}):`);
  for (const l of lines) console.log(`  ${l}`);
}
