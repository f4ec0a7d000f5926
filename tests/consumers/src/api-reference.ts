/**
 * Generates a package's API reference (docs/api/<package>.md) from its published declarations
 * (`dist/index.d.ts`, what users' editors and compilers see): every export, its TSDoc and its declaration.
 */
import ts from 'typescript';

type Kind = 'Functions' | 'Classes' | 'Constants' | 'Interfaces' | 'Types' | 'Enums' | 'Namespaces';
const KIND_ORDER: readonly Kind[] = [
  'Functions',
  'Classes',
  'Constants',
  'Enums',
  'Interfaces',
  'Types',
  'Namespaces',
];

interface Entry {
  readonly name: string;
  readonly kind: Kind;
  readonly doc: string;
  readonly code: string;
  /** The declaration's own name when exported under another one (`fetchImage as fetch`). */
  readonly aliasOf?: string;
  /** The package it comes from when it is a re-export of another package's declaration. */
  readonly from?: string;
}

export interface ApiReference {
  readonly markdown: string;
  readonly exports: readonly string[];
  /** Exports without a TSDoc summary. */
  readonly undocumented: readonly string[];
}

function kindOf(declaration: ts.Declaration): Kind | undefined {
  if (ts.isFunctionDeclaration(declaration)) return 'Functions';
  if (ts.isClassDeclaration(declaration)) return 'Classes';
  if (ts.isVariableDeclaration(declaration)) return 'Constants';
  if (ts.isInterfaceDeclaration(declaration)) return 'Interfaces';
  if (ts.isTypeAliasDeclaration(declaration)) return 'Types';
  if (ts.isEnumDeclaration(declaration)) return 'Enums';
  if (ts.isModuleDeclaration(declaration)) return 'Namespaces';
  return undefined;
}

/** The declaration as written in the .d.ts, without `declare` and `export` keywords. */
function declarationText(declaration: ts.Declaration): string {
  const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  return node
    .getText()
    .replace(/^(export\s+)?(default\s+)?declare\s+/, '')
    .replace(/^export\s+/, '');
}

/** Where a declaration lives when not in the package's own .d.ts: `@isar/<name>` or a dependency's name. */
function foreignPackage(declaration: ts.Declaration, ownFile: string): string | undefined {
  const file = declaration.getSourceFile().fileName;
  if (file === ownFile) return undefined;
  const workspace = /\/(?:packages|apps)\/([^/]+)\/dist\//.exec(file);
  if (workspace?.[1])
    return workspace[1].startsWith('container-loader') || workspace[1] === 'isar-fetch'
      ? workspace[1]
      : `@isar/${workspace[1]}`;
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
}

function documentation(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol
    .getJsDocTags(checker)
    .filter((tag) => tag.name !== 'internal')
    .map((tag) => {
      const text = ts.displayPartsToString(tag.text ?? []).trim();
      return `- \`@${tag.name}\`${text ? ` ${text}` : ''}`;
    });
  return [summary, tags.join('\n')].filter(Boolean).join('\n\n');
}

export function apiReference(packageName: string, dtsFile: string, intro: string): ApiReference {
  const program = ts.createProgram([dtsFile], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dtsFile);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!source || !moduleSymbol) throw new Error(`cannot read the module of ${dtsFile}`);

  const entries: Entry[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = (symbol.declarations ?? []).filter((d) => kindOf(d) !== undefined);
    const first = declarations[0];
    if (!first) throw new Error(`${packageName}: no declaration for export ${exported.name}`);
    entries.push({
      name: exported.name,
      kind: kindOf(first) as Kind,
      doc: documentation(symbol, checker),
      code: declarations.map(declarationText).join('\n'),
      ...(symbol.name !== exported.name && symbol.name !== 'default' ? { aliasOf: symbol.name } : {}),
      ...(foreignPackage(first, source.fileName) ? { from: foreignPackage(first, source.fileName) } : {}),
    });
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));

  const lines: string[] = [
    `# ${packageName}: API reference`,
    '',
    '<!-- Generated from dist/index.d.ts by `pnpm --filter @isar/consumer-tests api-docs`; do not edit. -->',
    '',
    intro.trim(),
    '',
    `${entries.length} exports. Everything else is internal: the package's \`exports\` map makes deep imports fail.`,
    '',
  ];
  for (const kind of KIND_ORDER) {
    const ofKind = entries.filter((e) => e.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push(`## ${kind}`, '', ofKind.map((e) => `[\`${e.name}\`](#${anchor(e.name)})`).join(' · '), '');
    for (const entry of ofKind) {
      lines.push(`### ${entry.name}`, '');
      if (entry.aliasOf) lines.push(`The same as \`${entry.aliasOf}\`.`, '');
      if (entry.from) lines.push(`Re-exported from \`${entry.from}\`.`, '');
      if (entry.doc) lines.push(entry.doc, '');
      lines.push('```ts', entry.code, '```', '');
    }
  }
  return {
    markdown: `${lines.join('\n').trimEnd()}\n`,
    exports: entries.map((e) => e.name),
    undocumented: entries.filter((e) => !e.doc).map((e) => e.name),
  };
}

/** GitHub's heading anchors for a plain identifier. */
function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}
