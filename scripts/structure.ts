/**
 * The shape of `src/`, read with the TypeScript compiler API: which folders
 * import which, the cycles among them, and the functions too long to read in
 * one sitting. test/structure.test.ts holds the tree to what it prints, so a
 * new cycle or a new long function fails a test instead of growing unseen.
 *
 *   node dist/scripts/structure.js [ROOT]     (ROOT: the repository, default .)
 *
 * A folder is the first path segment under src/ (`data`, `model`, …; a file
 * directly in src/ is its own node, e.g. `types.ts`). Only value imports make
 * an edge: `import type`, `export type` and specifiers whose symbols are only
 * types are left out, because the compiler erases them and they load nothing
 * at run time; they do not make a module depend on another's code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** Functions longer than this many lines are listed (STYLE.md: a reader should see a function whole). */
export const MAX_FUNCTION_LINES = 120;

/** One value import from a file in one folder to a file in another. */
export interface FolderEdge {
  from: string;
  to: string;
  /** The importing and imported files, relative to the repository root. */
  imports: { file: string; target: string }[];
}

export interface LongFunction {
  /** As the allowlist spells it: `foo`, `Class.method`, or `outer.<arrow>` for an unnamed one. */
  name: string;
  /** Relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  lines: number;
}

export interface Structure {
  folders: string[];
  edges: FolderEdge[];
  /** Strongly connected sets of folders (two or more), each sorted; every folder cycle lies in one. */
  components: string[][];
  /** Elementary cycles, each starting at its alphabetically first folder. */
  cycles: string[][];
  longFunctions: LongFunction[];
}

function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

function folderOf(srcDir: string, file: string): string {
  return path.relative(srcDir, file).split(path.sep)[0];
}

function posix(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** The file a relative specifier names, or undefined for a package. */
function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(file), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether the symbol an import or export specifier names has a value side (a class, function, const…). */
function isValueSymbol(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): boolean {
  if (!symbol) return true; // unresolved: count it, to err on the side of an edge
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return (target.flags & ts.SymbolFlags.Value) !== 0;
}

/** Whether an import or export declaration loads the other module at run time. */
function isValueDependency(checker: ts.TypeChecker, node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return true; // `import './x'`, for its side effects
    if (clause.isTypeOnly) return false;
    if (clause.name && isValueSymbol(checker, checker.getSymbolAtLocation(clause.name))) return true;
    const bindings = clause.namedBindings;
    if (!bindings) return false;
    if (ts.isNamespaceImport(bindings)) return true;
    return bindings.elements.some((e) => !e.isTypeOnly && isValueSymbol(checker, checker.getSymbolAtLocation(e.name)));
  }
  if (node.isTypeOnly) return false;
  const clause = node.exportClause;
  if (!clause || ts.isNamespaceExport(clause)) return true; // `export * from`
  return clause.elements.some((e) => !e.isTypeOnly && isValueSymbol(checker, checker.getExportSpecifierLocalTargetSymbol(e)));
}

function nameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** The name a function is known by: its own, its variable's or property's, else `<arrow>` under the enclosing one. */
function functionName(node: ts.FunctionLikeDeclaration, enclosing: string | undefined): string {
  const own = ts.isConstructorDeclaration(node) ? 'constructor' : nameText(node.name);
  const parent = node.parent;
  const owner =
    ts.isClassLike(parent) ? (parent.name?.text ?? '<class>') : ts.isObjectLiteralExpression(parent) && ts.isVariableDeclaration(parent.parent) ? nameText(parent.parent.name) : undefined;
  if (own) return owner ? `${owner}.${own}` : own;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    const named = nameText(parent.name);
    if (named) return named;
  }
  const anon = ts.isArrowFunction(node) ? '<arrow>' : '<function>';
  return enclosing ? `${enclosing}.${anon}` : anon;
}

function longFunctions(sf: ts.SourceFile, file: string, maxLines: number): LongFunction[] {
  const found: LongFunction[] = [];
  const visit = (node: ts.Node, enclosing: string | undefined): void => {
    let name = enclosing;
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      name = functionName(fn, enclosing);
      const first = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maxLines) found.push({ name, file, line: first + 1, lines });
    }
    ts.forEachChild(node, (child) => visit(child, name));
  };
  visit(sf, undefined);
  return found;
}

/** Tarjan's algorithm: the strongly connected components with two or more nodes. */
function components(nodes: string[], next: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Every elementary cycle, each once, starting at its smallest folder (the graph has a dozen nodes). */
function cycles(nodes: string[], next: Map<string, Set<string>>): string[][] {
  const out: string[][] = [];
  for (const start of nodes) {
    const walk = (v: string, trail: string[]): void => {
      for (const w of [...(next.get(v) ?? [])].sort()) {
        if (w === start) out.push([...trail]);
        else if (w > start && !trail.includes(w)) walk(w, [...trail, w]);
      }
    };
    walk(start, [start]);
  }
  return out;
}

/** Reads `root/src` and `root/tsconfig.json`. */
export function analyse(root: string, maxLines = MAX_FUNCTION_LINES): Structure {
  const srcDir = path.join(root, 'src');
  const files = tsFiles(srcDir);
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();

  const folders = [...new Set(files.map((f) => folderOf(srcDir, f)))].sort();
  const edgeMap = new Map<string, FolderEdge>();
  const long: LongFunction[] = [];
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`structure: the compiler did not load ${file}`);
    const from = folderOf(srcDir, file);
    for (const statement of sf.statements) {
      if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
      const spec = statement.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec)) continue;
      const target = resolveSpecifier(file, spec.text);
      if (!target || !target.startsWith(srcDir + path.sep)) continue;
      const to = folderOf(srcDir, target);
      if (to === from || !isValueDependency(checker, statement)) continue;
      const key = `${from}\0${to}`;
      if (!edgeMap.has(key)) edgeMap.set(key, { from, to, imports: [] });
      edgeMap.get(key)!.imports.push({ file: posix(root, file), target: posix(root, target) });
    }
    long.push(...longFunctions(sf, posix(root, file), maxLines));
  }
  const edges = [...edgeMap.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  long.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
  return { folders, edges, components: components(folders, next), cycles: cycles(folders, next), longFunctions: long };
}

/** The report main() prints. */
export function formatStructure(s: Structure): string {
  const lines: string[] = [];
  lines.push(`Folder imports in src/ (value imports only; ${s.folders.length} folders, ${s.edges.length} edges):`);
  for (const folder of s.folders) {
    const out = s.edges.filter((e) => e.from === folder);
    lines.push(`  ${folder} -> ${out.length ? out.map((e) => `${e.to} (${e.imports.length})`).join(', ') : '(nothing)'}`);
  }
  lines.push('', `Cycles: ${s.cycles.length}`);
  for (const c of s.cycles) lines.push(`  ${[...c, c[0]].join(' -> ')}`);
  for (const component of s.components) {
    lines.push('', `Imports within {${component.join(', ')}}:`);
    for (const e of s.edges.filter((e) => component.includes(e.from) && component.includes(e.to))) {
      for (const i of e.imports) lines.push(`  ${e.from} -> ${e.to}: ${i.file} imports ${i.target}`);
    }
  }
  lines.push('', `Functions over ${MAX_FUNCTION_LINES} lines: ${s.longFunctions.length}`);
  for (const f of s.longFunctions) lines.push(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.file}:${f.line}`);
  return lines.join('\n');
}

function main(): void {
  process.stdout.write(formatStructure(analyse(path.resolve(process.argv[2] ?? '.'))) + '\n');
}

if (require.main === module) main();
