/**
 * Randomised cross-check of `ner eval` against the references: conlleval.pl
 * for the default report, seqeval's strict mode for `--strict`. Run after
 * building, with a copy of conlleval.pl (version 2004-01-26; seqeval ships
 * one in tests/) and, for the strict numbers, a checkout of seqeval and
 * Python with scikit-learn (Debian: python3-sklearn):
 *
 *   node dist/scripts/eval-crosscheck.js CONLLEVAL.pl [SEQEVAL_DIR] [--files N] [--seed S] [--write FIXTURE.json]
 *
 * Files come in every scheme (IOB1, IOB2, IOE1, IOE2, IOBES, BILOU): gold
 * tags written from random chunks in the scheme, some typeless, then damaged
 * here and there, predictions damaged further; and `conlleval` files of odd
 * input conlleval still scores (typeless `B`, `[`, `]`, `.`, `B-0`, `-X-`
 * boundaries, `-DOCSTART-` tokens, rows of the wrong width).
 *
 * What must agree:
 * - IOB1, IOB2, IOE1, IOE2 and odd files: the report is conlleval.pl's stdout,
 *   byte for byte (conlleval's chunk rules were written for these schemes);
 * - IOBES and BILOU: conlleval.pl's report on the file rewritten to IOB2
 *   (conlleval reads `S-X S-X` as one chunk and knows no L-/U-), except the
 *   accuracy line, which is conlleval.pl's on the file as it is;
 * - `--strict`: seqeval's classification_report(mode='strict') for every
 *   type and the micro, macro and weighted averages, or an error where
 *   seqeval raises one.
 *
 * With --write, the files and the references' answers go to FIXTURE.json for
 * test/crosscheck.test.ts, which replays them without Perl or Python.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { TAG_SCHEMES, convertTags, writeChunks } from '../src/data/tagScheme';
import { DataError } from '../src/errors';
import { ScoredSentence, formatConllevalReport, parseConllevalText, readConllevalSentences } from '../src/eval/conlleval';
import { checkStrictTags, spanReport } from '../src/eval/report';
import type { Chunk } from '../src/data/chunks';
import type { TagScheme } from '../src/types';
import { Rng, makeRng, randInt } from '../src/util/random';

/** A file kind: a tag scheme, or odd input for conlleval's reading alone. */
export type FileKind = TagScheme | 'conlleval';

/**
 * seqeval's classification_report(output_dict=True), or the error it raised.
 * null stands for seqeval's NaN: the macro average over no types at all (no span on
 * either side), where ner reports 0.
 */
export type SeqevalAnswer = { report: Record<string, Record<'precision' | 'recall' | 'f1-score' | 'support', number | null>> } | { error: string };

export interface CrosscheckCase {
  kind: FileKind;
  text: string;
  /** What `ner eval --pred` must print (see the header), or null where conlleval.pl rejects the file. */
  conlleval: string | null;
  /** seqeval's strict answer, for scheme files. */
  strict?: SeqevalAnswer;
}

const TYPE_SETS = [['PER', 'LOC'], ['PER', 'LOC', 'ORG'], ['creative-work', 'PER'], ['a-b-c', 'MISC', 'Ä']];
const ODD_TAGS = ['B', 'I', 'E', 'S', '.', '[', ']', 'B-0', 'I-0', '-PER', 'X-PER', 'O-PER', 'B-'];
const PREFIXES: Record<TagScheme, string[]> = {
  iob1: ['B', 'I'],
  iob2: ['B', 'I'],
  ioe1: ['I', 'E'],
  ioe2: ['I', 'E'],
  iobes: ['B', 'I', 'E', 'S'],
  bilou: ['B', 'I', 'L', 'U'],
};

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)];
}

/** `B-` for a typeless chunk is written `B`, as such tags are in the wild. */
const tag = (prefix: string, type: string) => (type === '' ? prefix : `${prefix}-${type}`);

function randomTag(rng: Rng, prefixes: readonly string[], types: readonly string[]): string {
  return rng() < 0.4 ? 'O' : tag(pick(rng, prefixes), pick(rng, types));
}

/** Gold tags in `scheme`: random chunks written out, then about one tag in ten replaced. */
function schemeSentence(rng: Rng, scheme: TagScheme, types: readonly string[]): string[] {
  const length = 1 + randInt(rng, 12);
  const chunks: Chunk[] = [];
  for (let i = 0; i < length; ) {
    if (rng() < 0.45) {
      const end = Math.min(length, i + 1 + randInt(rng, 3));
      chunks.push({ type: pick(rng, types), start: i, end });
      i = end;
    } else {
      i++;
    }
  }
  return writeChunks(chunks, length, scheme).map((t) => (t.endsWith('-') ? t.slice(0, -1) : t)).map((t) => (rng() < 0.1 ? randomTag(rng, PREFIXES[scheme], types) : t));
}

/** Predicted tags: the gold ones, about one in four replaced, now and then by a prefix foreign to the scheme (which strict mode refuses). */
function damaged(rng: Rng, gold: readonly string[], prefixes: readonly string[], types: readonly string[]): string[] {
  return gold.map((t) => (rng() < 0.25 ? randomTag(rng, rng() < 0.01 ? ['B', 'I', 'E', 'S', 'L', 'U'] : prefixes, types) : t));
}

function schemeFile(rng: Rng, scheme: TagScheme): string {
  const types = rng() < 0.25 ? [...pick(rng, TYPE_SETS), ''] : pick(rng, TYPE_SETS);
  const lines: string[] = [];
  for (let s = 1 + randInt(rng, 6); s > 0; s--) {
    const gold = schemeSentence(rng, scheme, types);
    const pred = damaged(rng, gold, PREFIXES[scheme], types);
    gold.forEach((g, i) => lines.push(`w${i} ${g} ${pred[i]}`));
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

/** Odd input: any prefix, odd tags, extra columns, `-X-` lines (sometimes of the wrong width), `-DOCSTART-` tokens. */
function conllevalFile(rng: Rng): string {
  const types = pick(rng, TYPE_SETS);
  const odd = () => (rng() < 0.08 ? pick(rng, ODD_TAGS) : randomTag(rng, ['B', 'I', 'E', 'S'], types));
  const extraColumns = randInt(rng, 3);
  const lines: string[] = [];
  for (let s = 1 + randInt(rng, 6); s > 0; s--) {
    for (let i = 0, length = 1 + randInt(rng, 12); i < length; i++) {
      const g = odd();
      const p = rng() < 0.6 ? g : odd();
      const lead = i === 0 && rng() < 0.3 ? '-DOCSTART-' : `w${i}`;
      lines.push([lead, ...Array<string>(extraColumns).fill('x'), g, p].join(' '));
    }
    if (rng() < 0.3) lines.push(['-X-', ...Array<string>(rng() < 0.9 ? extraColumns + 2 : extraColumns + 1).fill('O')].join(' '));
    else lines.push('');
  }
  return lines.join('\n') + '\n';
}

function randomCase(rng: Rng, kind: FileKind): string {
  return kind === 'conlleval' ? conllevalFile(rng) : schemeFile(rng, kind);
}

/** conlleval.pl's stdout for `text`, or null when it rejects it. */
function perl(script: string, text: string): string | null {
  try {
    return execFileSync('perl', [script], { input: text, encoding: 'utf8', stdio: 'pipe' });
  } catch {
    return null;
  }
}

/** The file with both tag columns of each sentence rewritten from `scheme` to IOB2. */
function asIob2(text: string, scheme: TagScheme): string {
  return (
    readConllevalSentences(text, 'x')
      .map((s) => {
        const gold = convertTags(s.gold, scheme, 'iob2');
        const pred = convertTags(s.pred, scheme, 'iob2');
        return s.tokens.map((t, i) => `${t} ${gold[i]} ${pred[i]}\n`).join('') + '\n';
      })
      .join('')
  );
}

/** What `ner eval --pred` must print for `text` in `kind`, by the rules in the header. */
function conllevalAnswer(script: string, text: string, kind: FileKind): string | null {
  if (kind !== 'iobes' && kind !== 'bilou') return perl(script, text);
  const converted = perl(script, asIob2(text, kind))!;
  const raw = perl(script, text)!;
  const accuracy = (report: string) => report.match(/^accuracy: +[\d.]+%/m)![0];
  return converted.replace(accuracy(converted), accuracy(raw));
}

const SEQEVAL_PY = `
import json, sys, warnings
sys.path.insert(0, sys.argv[1])
warnings.filterwarnings('ignore')
from seqeval.metrics import classification_report
from seqeval import scheme as schemes
out = []
for job in json.load(sys.stdin):
    try:
        r = classification_report(job['gold'], job['pred'], mode='strict', scheme=getattr(schemes, job['scheme'].upper()), output_dict=True)
        # NaN (an average over no types at all) as null, which JSON has.
        out.append({'report': {k: {m: (None if x != x else float(x)) for m, x in v.items()} for k, v in r.items()}})
    except Exception as e:
        out.append({'error': '%s: %s' % (type(e).__name__, e)})
json.dump(out, sys.stdout)
`;

function seqevalStrict(seqevalDir: string, jobs: { scheme: TagScheme; text: string }[]): SeqevalAnswer[] {
  const input = jobs.map(({ scheme, text }) => {
    const sentences = readConllevalSentences(text, 'x');
    return { scheme, gold: sentences.map((s) => s.gold), pred: sentences.map((s) => s.pred) };
  });
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', SEQEVAL_PY, seqevalDir], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 30 }));
}

/** ner's answer to `--strict` in seqeval's shape, or the error it gives. */
export function nerStrict(sentences: ScoredSentence[], scheme: TagScheme): SeqevalAnswer {
  try {
    checkStrictTags(sentences, scheme, 'x');
  } catch (e) {
    if (e instanceof DataError) return { error: e.message };
    throw e;
  }
  const r = spanReport(sentences, scheme, true);
  const row = (t: { precision: number; recall: number; f1: number; support: number }) => ({ precision: t.precision / 100, recall: t.recall / 100, 'f1-score': t.f1 / 100, support: t.support });
  const report: Record<string, ReturnType<typeof row>> = {};
  for (const t of r.types) report[t.type] = row(t);
  Object.assign(report, { 'micro avg': row(r.micro), 'macro avg': row(r.macro), 'weighted avg': row(r.weighted) });
  return { report };
}

/** Why `actual` is not seqeval's `expected`, or null when it is (to 1e-9). */
export function strictMismatch(actual: SeqevalAnswer, expected: SeqevalAnswer): string | null {
  if ('error' in expected || 'error' in actual) return 'error' in expected === 'error' in actual ? null : `ner: ${JSON.stringify(actual)}; seqeval: ${JSON.stringify(expected)}`;
  const keys = (r: object) => Object.keys(r).sort().join(',');
  if (keys(actual.report) !== keys(expected.report)) return `rows ${keys(actual.report)} vs ${keys(expected.report)}`;
  for (const [k, e] of Object.entries(expected.report)) {
    const a = actual.report[k];
    for (const m of ['precision', 'recall', 'f1-score', 'support'] as const) {
      if (Math.abs(a[m]! - (e[m] ?? 0)) > 1e-9) return `${k} ${m}: ner ${a[m]}, seqeval ${e[m]}`;
    }
  }
  return null;
}

/** ner's report for a case, or null where ner (like conlleval.pl) rejects the file. */
export function nerReport(c: { kind: FileKind; text: string }): string | null {
  try {
    return formatConllevalReport(parseConllevalText(c.text, 'x', c.kind === 'conlleval' ? undefined : c.kind));
  } catch (e) {
    if (e instanceof DataError) return null;
    throw e;
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback?: string) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    return args.splice(i, 2)[1];
  };
  const files = Number(option('--files', '20'));
  const seed = Number(option('--seed', '1'));
  const write = option('--write');
  const [script, seqevalDir] = args;
  if (!script) {
    console.error('usage: node dist/scripts/eval-crosscheck.js CONLLEVAL.pl [SEQEVAL_DIR] [--files N] [--seed S] [--write FIXTURE.json]');
    process.exit(2);
  }
  if (perl(script, 'w O O\n') === null) {
    console.error(`cannot run 'perl ${script}' (expected the path of conlleval.pl)`);
    process.exit(2);
  }
  const rng = makeRng(seed);
  const cases: CrosscheckCase[] = [];
  for (const kind of [...TAG_SCHEMES, 'conlleval'] as FileKind[]) {
    for (let n = 0; n < files; n++) {
      const text = randomCase(rng, kind);
      cases.push({ kind, text, conlleval: conllevalAnswer(script, text, kind) });
    }
  }
  const schemeCases = cases.filter((c) => c.kind !== 'conlleval') as (CrosscheckCase & { kind: TagScheme })[];
  if (seqevalDir !== undefined) seqevalStrict(seqevalDir, schemeCases.map((c) => ({ scheme: c.kind, text: c.text }))).forEach((a, i) => (schemeCases[i].strict = a));

  let failed = 0;
  const tally = new Map<string, number>();
  for (const c of cases) {
    const report = nerReport(c);
    if (report !== c.conlleval) {
      console.error(`conlleval MISMATCH (${c.kind}):\n--- input\n${c.text}--- expected\n${c.conlleval}--- ner\n${report}`);
      failed++;
    }
    if (c.strict !== undefined) {
      const why = strictMismatch(nerStrict(readConllevalSentences(c.text, 'x'), c.kind as TagScheme), c.strict);
      if (why !== null) {
        console.error(`seqeval strict MISMATCH (${c.kind}): ${why}\n--- input\n${c.text}`);
        failed++;
      }
    }
    const key = `${c.kind}${c.strict && 'error' in c.strict ? ' (seqeval refuses)' : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(`${cases.length} random files (${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}): ${cases.length - failed} agree${seqevalDir ? ' with conlleval.pl and seqeval strict' : ' with conlleval.pl'}, ${failed} differ`);
  if (write !== undefined) fs.writeFileSync(write, JSON.stringify({ seed, files, cases }, null, 0) + '\n');
  if (failed > 0) process.exit(1);
}

if (require.main === module) main();
