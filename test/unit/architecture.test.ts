/**
 * The shape of the code, checked on every run (issue 8): imports point down
 * the floors and never loop between folders; a Lambda handler is a thin
 * adapter; no production function or file grows past what a reader can hold.
 * Reads the sources with the TypeScript parser: imports and function spans,
 * nothing is executed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Floors from the ground up; a module may import its own floor or lower ones. Same-floor folders may not import each other. */
const FLOORS: string[][] = [
  ['errors.ts', 'version.ts', 'entries.ts'],
  ['config'],
  ['storage'],
  ['dataset'],
  ['parquet'],
  ['metrics'],
  ['exec', 'report'],
  ['generate', 'train'],
  ['cloud'],
  ['cli'],
];
const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;
const MAX_HANDLER_LINES = 40;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) out.push(...filesUnder(file));
    else if (/\.(ts|mjs)$/.test(file)) out.push(file);
  }
  return out;
}

/** `config`, `errors.ts`, … : the first path element under src/. */
const unitOf = (file: string) => path.relative(path.join(REPO, 'src'), file).split(path.sep)[0] as string;
const floorOf = (unit: string) => FLOORS.findIndex((f) => f.includes(unit));

function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      specs.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s));
}

const srcFiles = filesUnder(path.join(REPO, 'src'));

describe('architecture', () => {
  it('every src/ unit sits on a floor', () => {
    const units = [...new Set(srcFiles.map(unitOf))];
    assert.deepEqual(
      units.filter((u) => floorOf(u) < 0),
      [],
    );
  });

  it('imports point down the floors, and folders on one floor do not import each other', () => {
    const upward: string[] = [];
    for (const file of srcFiles) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(path.join(REPO, 'src'))) continue;
        const to = unitOf(target);
        if (to === from) continue;
        if (floorOf(to) >= floorOf(from))
          upward.push(`${path.relative(REPO, file)} -> ${path.relative(REPO, target)}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  it('Lambda handlers are adapters of ≤ 40 lines that reach src/ only through src/cloud/', () => {
    for (const file of filesUnder(path.join(REPO, 'lambdas'))) {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').length;
      assert.ok(lines <= MAX_HANDLER_LINES, `${path.relative(REPO, file)}: ${lines} lines`);
      for (const target of importsOf(file)) {
        assert.ok(
          target.startsWith(path.join(REPO, 'src', 'cloud')),
          `${path.relative(REPO, file)} imports ${target}`,
        );
      }
    }
  });

  it(`no production file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`, () => {
    const long: string[] = [];
    for (const file of [...srcFiles, ...filesUnder(path.join(REPO, 'lambdas'))].filter((f) =>
      f.endsWith('.ts'),
    )) {
      const text = readFileSync(file, 'utf8');
      const name = path.relative(REPO, file);
      const lines = text.split('\n').length;
      if (lines > MAX_FILE_LINES) long.push(`${name}: ${lines} lines`);
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const from = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const to = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (to - from + 1 > MAX_FUNCTION_LINES)
            long.push(`${name}:${from + 1}: a function of ${to - from + 1} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    assert.deepEqual(long, []);
  });
});
