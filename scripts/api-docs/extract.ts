/**
 * Reads a package entry point's exports with the TypeScript compiler API: for each named export,
 * its kind, a declaration to show (bodies and private members left out) and its TSDoc.
 */
import path from 'node:path';
import ts from 'typescript';

/** What an export is, as the README shows it. */
export type ApiKind = 'function' | 'class' | 'const' | 'interface' | 'type' | 'enum' | 'namespace';

/** One export of an entry point, ready to render. */
export interface ApiEntry {
  /** The exported name (`default` for a default export). */
  name: string;
  kind: ApiKind;
  /** The declaration without bodies, comments or private members, formatted with 2-space indents. */
  signature: string;
  /** The TSDoc comment's text (summary and remarks), `{@link X}` rendered as `X` in backticks. */
  summary: string;
  /** The `@example` blocks, in order. */
  examples: string[];
  /** The `@deprecated` text, when the export is deprecated. */
  deprecated?: string;
  /** The declaring file, relative to the directory passed to {@link extractEntries}. */
  file: string;
}

/** The exports of one entry file and what is wrong with their documentation. */
export interface ExtractResult {
  entries: ApiEntry[];
  /** One line per problem: an export without a TSDoc summary, an `export *`. */
  problems: string[];
}

/** Compiler options for reading workspace sources (`source` condition: packages resolve to `src/`). */
export const API_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['source'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
// Interfaces and classes keep their members' TSDoc: the fields are the API.
const printerWithComments = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });

/**
 * The entries of `entryFile` in `program`, in the order the entry file lists them.
 * `relativeTo` is the directory `ApiEntry.file` is relative to (the package directory).
 */
export function extractEntries(program: ts.Program, entryFile: string, relativeTo: string): ExtractResult {
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(entryFile);
  if (!sourceFile) throw new Error(`api-docs: ${entryFile} is not part of the program`);
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const problems: string[] = [];
  const entryName = path.relative(relativeTo, entryFile);
  for (const statement of sourceFile.statements) {
    if (ts.isExportDeclaration(statement) && !statement.exportClause && statement.moduleSpecifier) {
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      problems.push(`${entryName}: \`export *\` from '${from}': list the names instead (STYLE.md Layout)`);
    }
  }
  if (!moduleSymbol) return { entries: [], problems };

  const exported = checker.getExportsOfModule(moduleSymbol).map((symbol) => ({
    symbol,
    order: orderInFile(symbol, sourceFile),
  }));
  exported.sort((a, b) => a.order - b.order);

  const entries: ApiEntry[] = [];
  for (const { symbol } of exported) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declarations = (target.declarations ?? []).filter((d) => !ts.isSourceFile(d));
    const first = declarations[0];
    if (!first) continue;
    const file = path.relative(relativeTo, first.getSourceFile().fileName);
    const entry = describe(symbol.name, target, declarations, checker);
    entry.file = file;
    if (entry.summary === '') {
      const { line } = first.getSourceFile().getLineAndCharacterOfPosition(first.getStart());
      problems.push(`${file}:${line + 1}: \`${entry.name}\` (${entry.kind}) has no TSDoc summary`);
    }
    entries.push(entry);
  }
  return { entries, problems };
}

function orderInFile(symbol: ts.Symbol, sourceFile: ts.SourceFile): number {
  const inEntry = symbol.declarations?.find((d) => d.getSourceFile() === sourceFile);
  return inEntry ? inEntry.getStart() : Number.MAX_SAFE_INTEGER;
}

function describe(
  name: string,
  symbol: ts.Symbol,
  declarations: ts.Declaration[],
  checker: ts.TypeChecker,
): ApiEntry {
  const first = declarations[0]!;
  const doc = readDoc(symbol, checker);
  const base = { name, ...doc, file: '' };
  const functions = declarations.filter(ts.isFunctionDeclaration);
  if (functions.length > 0) {
    // With overloads, the implementation's signature is not part of the API.
    const shown = functions.length > 1 ? functions.filter((f) => !f.body) : functions;
    const signature = shown.map((f) => print(functionSignature(f, name, checker), f)).join('\n');
    return { ...base, kind: 'function', signature };
  }
  if (ts.isClassDeclaration(first)) {
    return { ...base, kind: 'class', signature: print(classShape(first), first, true) };
  }
  if (ts.isInterfaceDeclaration(first)) {
    const shown = ts.factory.updateInterfaceDeclaration(
      first,
      undefined,
      first.name,
      first.typeParameters,
      first.heritageClauses,
      first.members.filter((m) => !isHidden(m)),
    );
    return { ...base, kind: 'interface', signature: print(shown, first, true) };
  }
  if (ts.isTypeAliasDeclaration(first)) {
    const shown = ts.factory.updateTypeAliasDeclaration(
      first,
      undefined,
      first.name,
      first.typeParameters,
      first.type,
    );
    return { ...base, kind: 'type', signature: print(shown, first) };
  }
  if (ts.isEnumDeclaration(first)) {
    const shown = ts.factory.updateEnumDeclaration(first, undefined, first.name, first.members);
    return { ...base, kind: 'enum', signature: print(shown, first) };
  }
  if (ts.isVariableDeclaration(first)) return { ...base, ...variableShape(first, name, checker) };
  return { ...base, kind: 'namespace', signature: `namespace ${name}` };
}

function functionSignature(
  decl: ts.FunctionDeclaration,
  name: string,
  checker: ts.TypeChecker,
): ts.FunctionDeclaration {
  const signature = checker.getSignatureFromDeclaration(decl);
  const returnType =
    decl.type ??
    (signature ? inferredTypeNode(checker.getReturnTypeOfSignature(signature), decl, checker) : undefined);
  return ts.factory.createFunctionDeclaration(
    undefined,
    undefined,
    name === 'default' ? (decl.name?.text ?? 'default') : name,
    decl.typeParameters,
    decl.parameters.map((p) => showParameter(p, checker)),
    returnType,
    undefined,
  );
}

/** A parameter as callers see it: a default value becomes `?`, a missing annotation the inferred type. */
function showParameter(p: ts.ParameterDeclaration, checker: ts.TypeChecker): ts.ParameterDeclaration {
  const optional =
    p.questionToken ?? (p.initializer ? ts.factory.createToken(ts.SyntaxKind.QuestionToken) : undefined);
  const type = p.type ?? inferredTypeNode(checker.getTypeAtLocation(p), p, checker);
  return ts.factory.createParameterDeclaration(
    undefined,
    p.dotDotDotToken,
    p.name,
    optional,
    type,
    undefined,
  );
}

function classShape(decl: ts.ClassDeclaration): ts.ClassDeclaration {
  const members: ts.ClassElement[] = [];
  const methodsWithOverloads = new Set<string>();
  for (const m of decl.members) {
    if (ts.isMethodDeclaration(m) && !m.body) methodsWithOverloads.add(m.name.getText());
  }
  for (const m of decl.members) {
    if (isHidden(m)) continue;
    const modifiers = ts.canHaveModifiers(m)
      ? ts.getModifiers(m)?.filter((mod) => mod.kind !== ts.SyntaxKind.PublicKeyword)
      : undefined;
    if (ts.isConstructorDeclaration(m)) {
      if (m.parameters.length === 0) continue;
      const shown = ts.factory.createConstructorDeclaration(
        modifiers,
        m.parameters.map(showDeclaredParameter),
        undefined,
      );
      members.push(ts.setTextRange(shown, m));
    } else if (ts.isMethodDeclaration(m)) {
      if (m.body && methodsWithOverloads.has(m.name.getText())) continue;
      const shown = ts.factory.createMethodDeclaration(
        modifiers,
        m.asteriskToken,
        m.name,
        m.questionToken,
        m.typeParameters,
        m.parameters.map(showDeclaredParameter),
        m.type,
        undefined,
      );
      members.push(ts.setTextRange(shown, m));
    } else if (ts.isPropertyDeclaration(m)) {
      const shown = ts.factory.createPropertyDeclaration(
        modifiers,
        m.name,
        m.questionToken,
        m.type,
        undefined,
      );
      members.push(ts.setTextRange(shown, m));
    } else if (ts.isGetAccessorDeclaration(m)) {
      const shown = ts.factory.createGetAccessorDeclaration(modifiers, m.name, [], m.type, undefined);
      members.push(ts.setTextRange(shown, m));
    }
  }
  const classModifiers = ts.getModifiers(decl)?.filter((mod) => mod.kind === ts.SyntaxKind.AbstractKeyword);
  return ts.factory.createClassDeclaration(
    classModifiers,
    decl.name,
    decl.typeParameters,
    decl.heritageClauses,
    members,
  );
}

function showDeclaredParameter(p: ts.ParameterDeclaration): ts.ParameterDeclaration {
  const modifiers = ts.getModifiers(p)?.filter((mod) => mod.kind === ts.SyntaxKind.ReadonlyKeyword);
  const optional =
    p.questionToken ?? (p.initializer ? ts.factory.createToken(ts.SyntaxKind.QuestionToken) : undefined);
  return ts.factory.createParameterDeclaration(
    modifiers,
    p.dotDotDotToken,
    p.name,
    optional,
    p.type,
    undefined,
  );
}

/** Private, protected, `#private` and `@internal` members are not part of the API. */
function isHidden(member: ts.ClassElement | ts.TypeElement): boolean {
  if (member.name && ts.isPrivateIdentifier(member.name)) return true;
  const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  return ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'internal');
}

function variableShape(
  decl: ts.VariableDeclaration,
  name: string,
  checker: ts.TypeChecker,
): { kind: ApiKind; signature: string } {
  const init = decl.initializer;
  if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && !decl.type) {
    const fn = ts.factory.createFunctionDeclaration(
      undefined,
      undefined,
      name,
      init.typeParameters,
      init.parameters.map((p) => showParameter(p, checker)),
      init.type ?? inferredReturn(init, checker),
      undefined,
    );
    return { kind: 'function', signature: print(fn, decl) };
  }
  // A short literal initializer says more than its type (`= 25`, `= 16 * 1024 * 1024`).
  const initText = init?.getText().replace(/\s+/g, ' ');
  if (!decl.type && initText !== undefined && initText.length <= 80 && isPlainValue(init!)) {
    return { kind: 'const', signature: `const ${name} = ${initText};` };
  }
  const type = decl.type
    ? decl.type.getText().replace(/\s+/g, ' ')
    : inferredTypeText(checker.getTypeAtLocation(decl), decl, checker);
  return { kind: 'const', signature: `const ${name}: ${type};` };
}

function inferredReturn(fn: ts.SignatureDeclaration, checker: ts.TypeChecker): ts.TypeNode | undefined {
  const signature = checker.getSignatureFromDeclaration(fn);
  if (!signature) return undefined;
  return inferredTypeNode(checker.getReturnTypeOfSignature(signature), fn, checker);
}

/**
 * An inferred type as the checker writes it, with `import("/abs/path").Name` shortened to `Name`
 * (the path is this machine's). The node builder gives up on types the file does not import.
 */
function inferredTypeText(type: ts.Type, at: ts.Node, checker: ts.TypeChecker): string {
  return checker.typeToString(type, at, ts.TypeFormatFlags.NoTruncation).replace(/import\("[^"]*"\)\./g, '');
}

function inferredTypeNode(type: ts.Type, at: ts.Node, checker: ts.TypeChecker): ts.TypeNode {
  return ts.factory.createTypeReferenceNode(inferredTypeText(type, at, checker));
}

function isPlainValue(node: ts.Expression): boolean {
  if (
    ts.isNumericLiteral(node) ||
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    ts.isIdentifier(node)
  ) {
    return true;
  }
  if (ts.isPrefixUnaryExpression(node)) return isPlainValue(node.operand);
  if (ts.isParenthesizedExpression(node)) return isPlainValue(node.expression);
  if (ts.isBinaryExpression(node)) return isPlainValue(node.left) && isPlainValue(node.right);
  if (ts.isAsExpression(node)) return isPlainValue(node.expression);
  if (ts.isArrayLiteralExpression(node)) return node.elements.every(isPlainValue);
  return false;
}

function print(node: ts.Node, original: ts.Node, memberComments = false): string {
  const sourceFile = original.getSourceFile();
  let text = (memberComments ? printerWithComments : printer).printNode(
    ts.EmitHint.Unspecified,
    node,
    sourceFile,
  );
  // The declaration's own TSDoc is the entry's summary; the members' stay.
  if (memberComments) text = text.replace(/^\s*\/\*\*[\s\S]*?\*\/\s*/, '');
  // The printer indents by 4; the repo (biome) by 2.
  return text.replace(/^( {4})+/gm, (indent) => ' '.repeat(indent.length / 2));
}

function readDoc(
  symbol: ts.Symbol,
  checker: ts.TypeChecker,
): { summary: string; examples: string[]; deprecated?: string } {
  const summary = partsToMarkdown(symbol.getDocumentationComment(checker));
  const examples: string[] = [];
  let deprecated: string | undefined;
  const remarks: string[] = [];
  for (const tag of symbol.getJsDocTags(checker)) {
    const text = partsToMarkdown(tag.text ?? []);
    if (tag.name === 'example') examples.push(stripFence(text));
    else if (tag.name === 'deprecated') deprecated = text;
    else if (tag.name === 'remarks') remarks.push(text);
    else if (tag.name === 'throws') remarks.push(`Throws ${text}`);
  }
  const full = [summary, ...remarks].filter((s) => s !== '').join('\n\n');
  return deprecated === undefined ? { summary: full, examples } : { summary: full, examples, deprecated };
}

/** TSDoc text to Markdown: `{@link X}` and `{@link X | label}` become `` `X` `` / `label`. */
function partsToMarkdown(parts: ts.SymbolDisplayPart[]): string {
  let out = '';
  let inLink = false;
  let linkTarget = '';
  let linkLabel = '';
  for (const part of parts) {
    if (part.kind === 'link') {
      if (!inLink) {
        inLink = true;
        linkTarget = '';
        linkLabel = '';
      } else {
        inLink = false;
        const label = linkLabel.replace(/^\s*\|?\s*/, '').trim();
        out += label !== '' ? label : `\`${linkTarget.trim()}\``;
      }
    } else if (inLink) {
      if (part.kind === 'linkName') linkTarget += part.text;
      else linkLabel += part.text;
    } else {
      out += part.text;
    }
  }
  return out.trim();
}

function stripFence(example: string): string {
  const fenced = /^```[a-z]*\n([\s\S]*?)\n```$/.exec(example.trim());
  return fenced ? fenced[1]! : example;
}

const diskFiles = new Map<string, ts.SourceFile>();

/**
 * A program over in-memory files (for tests): `files` maps absolute paths to their text; other
 * files (node_modules, lib.d.ts) come from disk.
 */
export function createInMemoryProgram(files: Record<string, string>, rootNames: string[]): ts.Program {
  const host = ts.createCompilerHost(API_COMPILER_OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files[fileName];
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    // lib.d.ts files are the slow part of a program; parse them once per process.
    let cached = diskFiles.get(fileName);
    if (!cached) {
      cached = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (cached) diskFiles.set(fileName, cached);
    }
    return cached;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName in files || fileExists(fileName);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) =>
    Object.keys(files).some((f) => f.startsWith(`${name}/`)) || (directoryExists?.(name) ?? false);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => files[fileName] ?? readFile(fileName);
  return ts.createProgram({ rootNames, options: { ...API_COMPILER_OPTIONS, types: [] }, host });
}
