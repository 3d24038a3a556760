/**
 * Counts the public names of the package's entry points, recursing through namespace re-exports
 * (`export * as sweep from './sweep'` counts `sweep` plus every name inside it), so the size of the
 * public face can be compared before and after a change.
 *
 *   npx ts-node --transpile-only scripts/count-public-names.ts lib/index.ts [lib/entry/sweep.ts ...]
 *
 * Prints, per entry file: top-level names, namespaces, values and types in all (recursive).
 */
import * as path from 'path';
import * as ts from 'typescript';

interface Count {
  topLevel: number;
  namespaces: number;
  values: number;
  types: number;
}

function countEntry(checker: ts.TypeChecker, file: ts.SourceFile): Count {
  const moduleSymbol = checker.getSymbolAtLocation(file);
  const count: Count = { topLevel: 0, namespaces: 0, values: 0, types: 0 };
  if (moduleSymbol == null) return count;
  const visit = (symbol: ts.Symbol, depth: number, seen: Set<ts.Symbol>): void => {
    for (const exported of checker.getExportsOfModule(symbol)) {
      if (depth === 0) count.topLevel += 1;
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (target.flags & ts.SymbolFlags.ValueModule && target.valueDeclaration != null && ts.isSourceFile(target.valueDeclaration)) {
        count.namespaces += 1;
        if (!seen.has(target)) visit(target, depth + 1, new Set([...seen, target]));
        continue;
      }
      if (target.flags & ts.SymbolFlags.Value) count.values += 1;
      else count.types += 1;
    }
  };
  visit(moduleSymbol, 0, new Set([moduleSymbol]));
  return count;
}

const entries = process.argv.slice(2);
if (entries.length === 0) {
  process.stderr.write('usage: count-public-names.ts <entry.ts> [...]\n');
  process.exit(2);
}
const program = ts.createProgram(entries, { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true });
const checker = program.getTypeChecker();
for (const entry of entries) {
  const file = program.getSourceFile(path.resolve(entry));
  if (file == null) throw new Error(`${entry}: not found`);
  const count = countEntry(checker, file);
  const total = count.values + count.types + count.namespaces;
  process.stdout.write(
    `${entry}: ${count.topLevel} top-level names (${count.namespaces} namespaces); ` +
      `recursive: ${count.values} values + ${count.types} types + ${count.namespaces} namespaces = ${total} names\n`,
  );
}
