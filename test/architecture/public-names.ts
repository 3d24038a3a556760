/**
 * The root export's names as the TypeScript compiler sees them, each with whether its declaration
 * carries a doc comment (`/** ... *\/`). Shared by the public-face test; run directly it prints the
 * names that lack one: `npx ts-node --transpile-only test/architecture/public-names.ts`.
 */
import * as path from 'path';
import * as ts from 'typescript';

/** One exported name of an entry file. */
export interface PublicName {
  /** The exported name. */
  name: string;
  /** 'value' for anything that exists at run time (functions, classes, constants), else 'type'. */
  kind: 'value' | 'type' | 'namespace';
  /** Whether the declaration the name resolves to has a non-empty JSDoc comment. */
  documented: boolean;
  /** `file:line` of that declaration, for error messages. */
  declaredAt: string;
}

function hasDocComment(declaration: ts.Declaration, checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  if (symbol.getDocumentationComment(checker).some((part) => part.text.trim() !== '')) return true;
  // A `const x = ...` is documented on its statement; getDocumentationComment covers that, and
  // overloads: any documented declaration counts.
  return ts.getJSDocCommentsAndTags(declaration).length > 0;
}

/** Lists the names `entry` exports (one level; namespaces are reported as such, not recursed). */
export function publicNames(entry: string): PublicName[] {
  const file = path.resolve(entry);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2020,
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source == null) throw new Error(`${entry}: not found`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol == null) return [];
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = target.valueDeclaration ?? target.declarations?.[0];
    const isNamespace = declaration != null && ts.isSourceFile(declaration);
    const where = declaration?.getSourceFile();
    const line = where != null && declaration != null ? where.getLineAndCharacterOfPosition(declaration.getStart()).line + 1 : 0;
    return {
      name: exported.name,
      kind: isNamespace ? 'namespace' : target.flags & ts.SymbolFlags.Value ? 'value' : 'type',
      documented: declaration != null && !isNamespace && (target.declarations ?? []).some((each) => hasDocComment(each, checker, target)),
      declaredAt: where == null ? '?' : `${path.relative(process.cwd(), where.fileName)}:${line}`,
    };
  });
}

if (require.main === module) {
  const names = publicNames(process.argv[2] ?? 'lib/index.ts');
  for (const name of names.filter((each) => !each.documented)) process.stdout.write(`undocumented ${name.kind} ${name.name} (${name.declaredAt})\n`);
  process.stdout.write(`${names.length} names, ${names.filter((each) => each.kind === 'value').length} values\n`);
}
