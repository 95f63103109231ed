/**
 * docs/cli.md's options tables against the options each command declares to
 * yargs: for every command, the same flags both ways, the same default, and
 * every choice named. A table row may stand for a shared table (`| [backend
 * options](#backend-options) | | … |`): it counts as that section's rows.
 * And `ner train`'s table against the training options' own table
 * (src/train/options.ts): each option's default there, and its choices.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import yargs, { type Argv } from 'yargs';
import * as trainCommand from '../src/cli/train';
import * as predictCommand from '../src/cli/predict';
import * as evalCommand from '../src/cli/eval';
import * as checkCommand from '../src/cli/check';
import * as convertCommand from '../src/cli/convert';
import * as serveCommand from '../src/cli/serve';
import * as reportCommand from '../src/cli/report';
import { AnyOptionSpec, TRAIN_OPTIONS, TRAIN_OPTION_KEYS } from '../src/train/options';
import { githubAnchor } from './helpers/markdown';

const DOC = 'docs/cli.md';
const DOC_PATH = path.join(__dirname, '..', '..', DOC);

const COMMANDS: Array<[string, { builder: (y: Argv) => Argv }]> = [
  ['train', trainCommand],
  ['predict', predictCommand],
  ['eval', evalCommand],
  ['check', checkCommand],
  ['convert', convertCommand],
  ['serve', serveCommand],
  ['report', reportCommand],
];

/** yargs' own view of a builder's options (getOptions() and the usage instance; its typings omit both). */
interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  default: Record<string, unknown>;
  defaultDescription: Record<string, string | undefined>;
  choices: Record<string, string[]>;
  demandedOptions: Record<string, unknown>;
  boolean: string[];
}

/** An option as the docs should show it. */
interface Declared {
  flag: string;
  aliases: string[];
  /** The default cell: `50`, on/off, `required`, empty; or words (see `words`). */
  shown: string;
  /** `shown` is words from --help ("2 with 2+ cores"): the cell must read the same, backticks aside. */
  words: boolean;
  choices: string[];
}

const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** How a default value is written in the tables: booleans as on/off, the rest in backticks. */
function showValue(value: unknown, boolean: boolean): string {
  if (boolean) return value === true || value === 'true' ? 'on' : 'off';
  return value === undefined ? '' : `\`${String(value)}\``;
}

/** The options `builder` declares, by long name, without help, version and the aliases' own keys. */
function declaredOptions(builder: (y: Argv) => Argv): Map<string, Declared> {
  const y = yargs([]);
  builder(y);
  const built = y as unknown as { getOptions(): YargsOptions; getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } } };
  const o = built.getOptions();
  const descriptions = built.getInternalMethods().getUsageInstance().getDescriptions();
  const aliasKeys = new Set(Object.values(o.alias).flat());
  const options = new Map<string, Declared>();
  for (const flag of Object.keys(o.key)) {
    if (flag === 'help' || flag === 'version' || aliasKeys.has(flag)) continue;
    const boolean = o.boolean.includes(flag);
    const describe = descriptions[flag] ?? '';
    // A default said in words at the end of the description: [default: 2 with 2+ cores], [required, unless --resume].
    const said = /\[(?:default: ([^\]]*)|(required[^\]]*))\]\s*$/.exec(describe);
    const description = o.defaultDescription[flag];
    let shown: string;
    let words = false;
    if (has(o.demandedOptions, flag)) shown = 'required';
    else if (said !== null) [shown, words] = [said[1] ?? said[2], true];
    else if (description !== undefined && has(o.default, flag) && description !== String(o.default[flag])) [shown, words] = [description, true];
    else shown = showValue(description ?? o.default[flag], boolean);
    options.set(flag, { flag, aliases: o.alias[flag] ?? [], shown, words, choices: o.choices[flag] ?? [] });
  }
  return options;
}

/** One row of an options table: the flags it names, one default each, and its text. */
interface Row {
  line: number;
  flags: string[];
  /** The short aliases the first cell names (`-q`). */
  shorts: string[];
  defaults: string[];
  text: string;
}

/** A `##` section of the docs: its heading without backticks, its anchor, and its lines. */
interface Section {
  title: string;
  anchor: string;
  start: number;
  end: number;
}

function sections(lines: string[]): Section[] {
  const found: Section[] = [];
  let fence = false;
  lines.forEach((line, i) => {
    if (line.startsWith('```')) fence = !fence;
    if (fence || !/^## /.test(line)) return;
    if (found.length > 0) found[found.length - 1].end = i;
    const title = line.slice(3).replace(/`/g, '').trim();
    found.push({ title, anchor: githubAnchor(title), start: i, end: lines.length });
  });
  return found;
}

const HEADER = '| option | default | meaning |';

/** The cells of a table line, split at pipes that are not escaped (`\|`). */
function cells(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

/** A table row that stands for a shared section's table: `[text](#anchor)` alone in the first cell. */
const LINK = /^\[[^\]]+\]\(#([a-z0-9-]+)\)$/;

class Doc {
  readonly lines = fs.readFileSync(DOC_PATH, 'utf8').split('\n');
  readonly sections = sections(this.lines);
  readonly problems: string[] = [];

  section(where: (s: Section) => boolean, what: string): Section | undefined {
    const found = this.sections.filter(where);
    if (found.length !== 1) this.problems.push(`${DOC}: ${found.length === 0 ? 'no' : found.length} section${found.length === 1 ? '' : 's'} ${what}`);
    return found.length === 1 ? found[0] : undefined;
  }

  /** The one options table of a section, as its header's line and its rows (link rows kept as they are). */
  table(s: Section): { line: number; rows: Array<Row | { line: number; anchor: string }> } | undefined {
    const headers = [];
    for (let i = s.start; i < s.end; i++) if (this.lines[i] === HEADER) headers.push(i);
    if (headers.length !== 1) {
      this.problems.push(`${DOC}:${s.start + 1}: ## ${s.title} has ${headers.length} options tables (${HEADER}), not 1`);
      return undefined;
    }
    const rows: Array<Row | { line: number; anchor: string }> = [];
    for (let i = headers[0] + 2; i < s.end && this.lines[i].startsWith('|'); i++) {
      const line = i + 1;
      const [first, defaults, meaning, ...more] = cells(this.lines[i]);
      if (meaning === undefined || more.length > 0) {
        this.problems.push(`${DOC}:${line}: expected 3 cells`);
        continue;
      }
      const link = LINK.exec(first);
      if (link !== null) {
        if (defaults !== '') this.problems.push(`${DOC}:${line}: a row for a shared table has an empty default cell, not "${defaults}"`);
        rows.push({ line, anchor: link[1] });
        continue;
      }
      const flags = [...first.matchAll(/`--([a-z][a-z0-9-]*)[^`]*`/g)].map((m) => m[1]);
      const shorts = [...first.matchAll(/`-([a-zA-Z])\b[^`]*`/g)].map((m) => m[1]);
      if (flags.length === 0) {
        this.problems.push(`${DOC}:${line}: no --option in the first cell`);
        continue;
      }
      // A row of several options gives one default each, in order: `30`, `0`, `3`.
      const split = flags.length === 1 ? [defaults] : defaults.split(/,\s*/);
      if (split.length !== flags.length) {
        this.problems.push(`${DOC}:${line}: ${flags.length} options but ${split.length} defaults`);
        continue;
      }
      rows.push({ line, flags, shorts, defaults: split, text: this.lines[i] });
    }
    return { line: headers[0] + 1, rows };
  }

  /** A command's rows, the shared tables' rows in place of the rows that stand for them. */
  commandRows(command: string): { line: number; rows: Row[] } | undefined {
    const s = this.section((x) => x.title === `ner ${command}`, `## ner ${command}`);
    const table = s === undefined ? undefined : this.table(s);
    if (table === undefined) return undefined;
    const rows: Row[] = [];
    for (const row of table.rows) {
      if ('flags' in row) {
        rows.push(row);
        continue;
      }
      const shared = this.section((x) => x.anchor === row.anchor, `for the link #${row.anchor} of ${DOC}:${row.line}`);
      const sharedTable = shared === undefined ? undefined : this.table(shared);
      for (const inner of sharedTable?.rows ?? []) {
        if ('flags' in inner) rows.push(inner);
        else this.problems.push(`${DOC}:${inner.line}: a shared table cannot stand for another`);
      }
    }
    return { line: table.line, rows };
  }
}

/** What is wrong with `ner <command>`'s table, against the options its builder declares. */
function commandProblems(command: string, declared: Map<string, Declared>): string[] {
  const doc = new Doc();
  const table = doc.commandRows(command);
  if (table === undefined) return doc.problems;
  const problems = doc.problems;
  const documented = new Map<string, { row: Row; shown: string }>();
  for (const row of table.rows) {
    row.flags.forEach((flag, i) => {
      const before = documented.get(flag);
      if (before !== undefined) problems.push(`${DOC}:${row.line}: --${flag} is listed twice for ner ${command} (also line ${before.row.line})`);
      else documented.set(flag, { row, shown: row.defaults[i] });
    });
  }
  for (const [flag, { row, shown }] of documented) {
    const option = declared.get(flag);
    if (option === undefined) {
      problems.push(`${DOC}:${row.line}: ner ${command} has no --${flag}`);
      continue;
    }
    const same = option.words ? shown.replace(/`/g, '') === option.shown : shown === option.shown;
    if (!same) problems.push(`${DOC}:${row.line}: the default of --${flag} (ner ${command}) is written "${shown}", but ${option.words ? 'its --help says' : 'it is'} "${option.shown}"`);
    for (const choice of option.choices) {
      if (!row.text.includes(`\`${choice}\``)) problems.push(`${DOC}:${row.line}: --${flag} (ner ${command}) does not name its choice \`${choice}\``);
    }
    for (const alias of option.aliases) {
      if (!row.shorts.includes(alias)) problems.push(`${DOC}:${row.line}: --${flag} (ner ${command}) does not name its alias -${alias}`);
    }
  }
  for (const flag of declared.keys()) {
    if (!documented.has(flag)) problems.push(`${DOC}:${table.line}: the options table of ner ${command} lacks --${flag}`);
  }
  return problems;
}

describe("docs/cli.md's options tables", () => {
  for (const [command, module] of COMMANDS) {
    test(`ner ${command}: every declared option, with its default and choices, and no other`, () => {
      const declared = declaredOptions(module.builder);
      assert.ok(declared.size > 2, `ner ${command} declares ${declared.size} options`);
      assert.deepEqual(commandProblems(command, declared), []);
    });
  }

  test('every shared table is used by a command, and names the options of one', () => {
    const doc = new Doc();
    for (const title of ['Data-reading options', 'Backend options']) {
      const s = doc.section((x) => x.title === title, `## ${title}`);
      if (s === undefined) continue;
      const link = `](#${s.anchor})`;
      const users = COMMANDS.filter(([command]) => {
        const own = doc.sections.find((x) => x.title === `ner ${command}`);
        return own !== undefined && doc.lines.slice(own.start, own.end).some((line) => line.startsWith('| [') && line.includes(link));
      });
      assert.ok(users.length >= 2, `${DOC}:${s.start + 1}: ## ${title} stands in the table of ${users.length} command(s)`);
    }
    assert.deepEqual(doc.problems, []);
  });
});

/** A default as the tables write the library's value: `50`, on/off, nothing for no file. */
function specDefault(spec: AnyOptionSpec): string {
  if (spec.helpDefault !== undefined) return spec.helpDefault;
  if (spec.default === null) return '';
  if (typeof spec.default === 'boolean') return spec.default ? 'on' : 'off';
  return `\`${String(spec.default)}\``;
}

describe("docs/cli.md's ner train table and the training options' table", () => {
  test('gives each training option the default and the choices of src/train/options.ts', () => {
    const doc = new Doc();
    const table = doc.commandRows('train');
    assert.deepEqual(doc.problems, []);
    const byFlag = new Map(table!.rows.flatMap((row) => row.flags.map((flag, i) => [flag, { row, shown: row.defaults[i] }] as const)));
    const problems: string[] = [];
    for (const key of TRAIN_OPTION_KEYS) {
      const spec: AnyOptionSpec = TRAIN_OPTIONS[key];
      const entry = byFlag.get(spec.flag);
      if (entry === undefined) {
        problems.push(`${DOC}:${table!.line}: ner train's table lacks --${spec.flag} (${key})`);
        continue;
      }
      const shown = spec.helpDefault !== undefined ? entry.shown.replace(/`/g, '') : entry.shown;
      if (shown !== specDefault(spec)) problems.push(`${DOC}:${entry.row.line}: the default of --${spec.flag} is written "${entry.shown}", but options.ts has "${specDefault(spec)}"`);
      if (spec.kind === 'choice') {
        for (const choice of spec.choices) if (!entry.row.text.includes(`\`${choice}\``)) problems.push(`${DOC}:${entry.row.line}: --${spec.flag} does not name \`${choice}\``);
      }
    }
    assert.deepEqual(problems, []);
  });
});
