/**
 * The documentation against the code: README.md stays a front page (at most
 * 250 lines), every relative link in README.md and docs/ reaches a file and
 * a heading that exist, the TypeScript examples compile against the library,
 * and what docs/formats.md and docs/library.md list is what the code has.
 * (docs/cli.md's options are held to the yargs definitions by cliDocs.test.ts.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { DATA_FORMATS } from '../src/io/corpusFormat';
import { OUTPUT_FORMATS } from '../src/cli/predictOutput';
import { METADATA_JSON, MODEL_JSON, REPORT_HTML, WEIGHTS_BIN } from '../src/io/modelDir';
import { TRAIN_OPTIONS, TRAIN_OPTION_KEYS } from '../src/train/options';
import { githubAnchor } from './helpers/markdown';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = path.join(ROOT, 'docs');
const PAGES = ['README.md', ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (page: string): string => fs.readFileSync(path.join(ROOT, page), 'utf8');

/** The lines of `text` outside fenced code blocks, with their 1-based numbers. */
export function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fenced = false;
  text.split('\n').forEach((t, i) => {
    if (/^\s*```/.test(t)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text: t });
  });
  return out;
}

/** The anchors of a page's headings; a repeated heading gets -1, -2, ... as on GitHub. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: t } of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(t);
    if (m === null) continue;
    const slug = githubAnchor(m[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative markdown links `[text](target)` of a page's prose, inline code left out. */
export function relativeLinks(text: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  for (const { line, text: t } of proseLines(text)) {
    const prose = t.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) links.push({ line, target: m[1] });
    }
  }
  return links;
}

/** The fenced blocks of `lang` in a page, with the line each starts on. */
function codeBlocks(text: string, lang: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```' + lang) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    assert.ok(end > i, `unclosed code block at line ${i + 1}`);
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The level-2 section of `text` under `heading` (up to the next level-2 heading). */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('the documentation', () => {
  test('README.md is at most 250 lines and indexes every page of docs/', () => {
    const readme = read('README.md');
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 250, `README.md has ${lines} lines, more than 250`);
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) assert.ok(readme.includes(`](${page})`), `README.md does not link ${page}`);
  });

  test('every relative link reaches a file, and a heading when it names one', () => {
    const anchors = new Map<string, Set<string>>();
    const anchorsOf = (file: string): Set<string> => {
      if (!anchors.has(file)) anchors.set(file, headingAnchors(fs.readFileSync(file, 'utf8')));
      return anchors.get(file)!;
    };
    let checked = 0;
    for (const page of PAGES) {
      for (const { line, target } of relativeLinks(read(page))) {
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), file);
        assert.ok(fs.existsSync(resolved), `${page}:${line}: ${target}: no such file`);
        if (anchor !== undefined) {
          assert.ok(resolved.endsWith('.md'), `${page}:${line}: ${target}: an anchor into a file that is not markdown`);
          assert.ok(anchorsOf(resolved).has(anchor), `${page}:${line}: ${target}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 50, `only ${checked} links found: is the link pattern still right?`);
  });

  test('finds a broken anchor (the check can fail)', () => {
    assert.deepEqual([...headingAnchors('# A\n## `ner train`\n```\n## not a heading\n```\n## Options: X and y\n## A\n')], ['a', 'ner-train', 'options-x-and-y', 'a-1']);
    assert.deepEqual(relativeLinks('see [x](a.md#b), `[y](c.md)`, [z](https://e.org)\n```\n[w](d.md)\n```'), [{ line: 1, target: 'a.md#b' }]);
  });

  test("the TypeScript examples of README.md and docs/library.md compile against the library", () => {
    // Each block is compiled as it stands, as a CommonJS module (the package's kind: no top-level
    // await), with 'ner-bilstm-crf' resolved to the library's own src/index.ts.
    const files = new Map<string, string>();
    for (const page of ['README.md', 'docs/library.md']) {
      for (const { line, code } of codeBlocks(read(page), 'ts')) {
        const name = path.join(ROOT, 'test', `__docs_${page.replace(/\W/g, '_')}_${line}.ts`);
        files.set(name, `${code.replace(/'ner-bilstm-crf'/g, "'../src/index'")}\nexport {};\n`);
      }
    }
    assert.ok(files.size >= 4, `expected the examples of README.md and docs/library.md, found ${files.size}`);
    const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true, noEmit: true, esModuleInterop: true, skipLibCheck: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (f) => files.get(path.resolve(f)) ?? readFile(f);
    host.fileExists = (f) => files.has(path.resolve(f)) || fileExists(f);
    const program = ts.createProgram([...files.keys()], options, host);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.has(path.resolve(d.file.fileName)))
      .map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
      // Unused names are fine in an example.
      .filter((m) => !/is declared but its value is never read|All destructured elements are unused/.test(m));
    assert.deepEqual(errors, []);
  });

  test('docs/formats.md has every data format, input format, output format and model file', () => {
    const formats = read('docs/formats.md');
    const training = section(formats, 'Training data');
    for (const f of DATA_FORMATS) assert.ok(training.includes(`\n### ${f}\n`), `docs/formats.md: no "### ${f}" under Training data`);
    const toTag = section(formats, 'Text to tag');
    for (const f of ['text', 'jsonl', 'conll']) assert.ok(toTag.includes(`- \`${f}\``), `docs/formats.md: Text to tag lacks \`${f}\``);
    const predictions = section(formats, 'Predictions');
    for (const f of OUTPUT_FORMATS) assert.ok(predictions.includes(`\`${f}\``), `docs/formats.md: Predictions lacks \`${f}\``);
    const modelDir = section(formats, 'Model directory');
    for (const f of [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON, REPORT_HTML]) assert.ok(modelDir.includes(`DIR/${f}`), `docs/formats.md: Model directory lacks ${f}`);
  });

  test("docs/library.md maps every ner train flag to its TrainOptions field, and nothing else", () => {
    const table = section(read('docs/library.md'), 'Options: TrainOptions and the ner train flags');
    const rows = [...table.matchAll(/^\| `--([a-z-]+)` \| `(\w+)` \|$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, TRAIN_OPTION_KEYS.map((key) => [TRAIN_OPTIONS[key].flag, key]));
  });
});
