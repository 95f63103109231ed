/**
 * BRAT standoff corpora: a directory of `x.txt` / `x.ann` pairs, the text
 * and its annotations side by side, as BRAT (and tools that export to its
 * format: INCEpTION, WebAnno, many shared tasks) write them. Collections nest,
 * so subdirectories are read too; files and subdirectories are read in sorted
 * name order (code units, not locale), so the corpus is the same on every
 * machine. Names starting with `.` (BRAT's `.stats_cache`, `.git`) are passed
 * over, and so is every file that is neither `.txt` nor `.ann`
 * (`annotation.conf`, `visual.conf`).
 *
 * Of an `.ann` file, only the entity lines count:
 * `T<id>\t<type> <start> <end>\t<text>`. Relations, events, attributes,
 * normalisations, notes and equivalences (lines starting R, E, A, M, N, #,
 * *) say nothing about which tokens are entities, and are passed over, as are
 * blank lines. A discontinuous entity (`T3\tLOC 0 5;16 23\t...`) cannot be
 * tagged in BIO; it is skipped, with a note. An entity repeated with the same
 * offsets and type is read once, with a note. Any other line is a DataError
 * naming `x.ann:line`, saying what was expected and what came.
 *
 * Offsets count Unicode code points, as BRAT (Python) does; `offsets:
 * 'utf16'` is for files made in JavaScript. They count every character of the
 * `.txt` as it is: a CR of a CRLF line end is one, and so is a byte-order
 * mark, which BRAT reads as a character (it opens the text as plain UTF-8)
 * and the tokenizer, like CR, treats as space (a tool that dropped the BOM
 * before counting is off by one, which the notes below show). Where the
 * `.ann` text differs from the text the offsets cover, the offsets win and a
 * note says so; differences in spacing alone are not noted (an entity across
 * a line break is commonly written with a space there). An entity line
 * without the text field is read, with nothing to compare.
 *
 * Each `.txt` is one document (`Sentence.document`: its ordinal among the
 * pairs read). Sentences are cut by the sentence splitter and at every line
 * break (BRAT corpora are commonly one sentence a line), but never inside an
 * entity: see spanCorpus.ts, which turns the spans into IOB2 tags.
 * `Sentence.lines` holds the 1-based line in the `.txt` where each token
 * starts. A `.txt` without an `.ann` is skipped, with a note: an unannotated
 * document would teach the model that everything in it is O. An `.ann`
 * without a `.txt` is a DataError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError, OptionError } from '../errors';
import type { Sentence } from '../types';
import { readCorpusText } from './corpusFile';
import { TEXT_ENCODINGS, type TextEncoding } from './lines';
import {
  checkSpanOptions,
  codePointIndex,
  insidePair,
  offsetWords,
  show,
  spanSentences,
  type OffsetUnit,
  type RawSpan,
  type SpanCorpus,
  type SpanCorpusOptions,
} from './spanCorpus';

/** Options of readBratCorpus: those of every span format, and the files' encoding (default UTF-8). */
export interface BratCorpusOptions extends SpanCorpusOptions {
  encoding?: TextEncoding;
}

/** A `.txt` found, and the `.ann` beside it if there is one. */
/** A `.txt` and its `.ann` (undefined: none beside it). */
export interface Pair {
  txt: string;
  ann: string | undefined;
}

/** An entity line of an `.ann` file, checked, with its offsets as the file gives them. */
interface Entity {
  id: string;
  label: string;
  start: number;
  end: number;
  text: string | undefined;
  /** 1-based line in the `.ann`. */
  line: number;
}

const ENTITY_SHAPE = 'T<id><TAB><type> <start> <end><TAB><text>';
/** Line types that are not entities: relations, events, attributes, normalisations, notes, equivalences. */
const IGNORED = new Set(['R', 'E', 'A', 'M', 'N', '#', '*']);

/**
 * Reads the BRAT corpus under `dir` (a directory of `.txt`/`.ann` pairs,
 * nested or not) into sentences; paths are named as joined onto `dir` as
 * given, in errors and notes.
 */
export function readBratCorpus(dir: string, options: BratCorpusOptions = {}): SpanCorpus {
  checkSpanOptions(options);
  const { encoding = 'utf8' } = options;
  if (!TEXT_ENCODINGS.includes(encoding)) throw new OptionError('encoding', `must be ${TEXT_ENCODINGS.map((e) => `'${e}'`).join(' or ')}`, encoding);
  const pairs = findPairs(dir);
  const notes: string[] = [];
  const sentences: Sentence[] = [];
  let document = 0;
  for (const { txt, ann } of pairs) {
    if (ann === undefined) {
      notes.push(`${txt}: no ${path.basename(txt, '.txt')}.ann beside it; skipped (an unannotated document would teach that everything in it is O)`);
      continue;
    }
    const text = readCorpusText(txt, 'BRAT text', encoding);
    const annText = readCorpusText(ann, 'BRAT annotation', encoding);
    sentences.push(...bratDocument(text, annText, { txt, ann, document }, options, notes));
    document++;
  }
  if (pairs.length === 0) throw new DataError(dir, undefined, 'no .txt/.ann pairs found (BRAT standoff: x.txt beside x.ann), in it or under it');
  if (document === 0) throw new DataError(dir, undefined, `no .txt/.ann pairs found: ${pairs.length} .txt file${pairs.length === 1 ? '' : 's'}, none with an .ann beside it`);
  if (sentences.length === 0) throw new DataError(dir, undefined, 'no sentences found: every annotated .txt is empty');
  return { file: dir, sentences, notes };
}

/**
 * The sentences of one document: `text` (the `.txt`) annotated by `annText`
 * (the `.ann`). Notes are appended to `notes`.
 */
export function bratDocument(
  text: string,
  annText: string,
  where: { txt: string; ann: string; document: number },
  options: SpanCorpusOptions,
  notes: string[],
): Sentence[] {
  const { txt, ann } = where;
  const unit = options.offsets ?? 'codepoint';
  const entities = parseAnn(annText, ann, notes);
  if (entities.length === 0) notes.push(`${ann}: no entity annotations; ${path.basename(txt)} is read as all O`);
  const toUtf16 = unit === 'codepoint' ? codePointIndex(text) : null;
  const spans = entities.map((e) => entitySpan(e, text, toUtf16, ann, unit));
  const own: string[] = [];
  let sentences: Sentence[];
  try {
    sentences = spanSentences(text, spans, { file: ann, record: 1, document: where.document, breakAtNewlines: true }, options, own);
  } catch (err) {
    // The checks above leave nothing for spanSentences to refuse; should one slip through, it names no line.
    if (err instanceof DataError) throw new DataError(ann, undefined, err.reason);
    throw err;
  }
  notes.push(...own.map((n) => placeNote(n, `${ann}:1: `, ann, entities)));
  setTextLines(sentences, text);
  for (const s of sentences) s.file = txt;
  return sentences;
}

/** The `.txt`/`.ann` pairs under `dir`, in sorted order; a DataError for a `dir` that is not a directory. */
export function findPairs(dir: string): Pair[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(dir, undefined, code === 'ENOENT' || code === 'ENOTDIR' ? 'no such directory' : `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!stat.isDirectory()) throw new DataError(dir, undefined, 'is a file, expected a directory of BRAT .txt/.ann pairs (x.txt beside x.ann)');
  const pairs: Pair[] = [];
  walk(dir, pairs, new Set());
  return pairs;
}

/** Adds the pairs in `dir` and its subdirectories to `pairs`; `seen` holds real paths, so a symbolic link cannot loop. */
function walk(dir: string, pairs: Pair[], seen: Set<string>): void {
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return;
  seen.add(real);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch (err) {
    throw new DataError(dir, undefined, `cannot list the directory: ${err instanceof Error ? err.message : String(err)}`);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const present = new Set(names);
  for (const name of names) {
    const full = path.join(dir, name);
    let isDir: boolean;
    try {
      isDir = fs.statSync(full).isDirectory();
    } catch {
      continue; // a dangling symbolic link: nothing to read
    }
    if (isDir) {
      walk(full, pairs, seen);
    } else if (name.endsWith('.txt')) {
      const ann = `${name.slice(0, -4)}.ann`;
      pairs.push({ txt: full, ann: present.has(ann) ? path.join(dir, ann) : undefined });
    } else if (name.endsWith('.ann') && !present.has(`${name.slice(0, -4)}.txt`)) {
      throw new DataError(full, undefined, `no ${name.slice(0, -4)}.txt beside it; an .ann file annotates the .txt of the same name`);
    }
  }
}

/** The continuous entities of an `.ann` file; skipped lines are noted, malformed ones refused. */
function parseAnn(annText: string, ann: string, notes: string[]): Entity[] {
  const entities: Entity[] = [];
  const seen = new Map<string, Entity>();
  annText.replace(/^\uFEFF/, '').split('\n').forEach((raw, i) => {
    const line = i + 1;
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') return;
    if (text[0] !== 'T') {
      if (IGNORED.has(text[0])) return;
      throw new DataError(ann, line, `expected an entity (${ENTITY_SHAPE}), or a line starting with R, E, A, M, N, # or * (passed over), got ${show(text)}`);
    }
    const fields = text.split('\t');
    if (fields.length < 2) throw new DataError(ann, line, `expected ${ENTITY_SHAPE}, tab-separated, got ${show(text)}`);
    const [id, body] = fields;
    const m = /^(\S+) (.*)$/u.exec(body);
    if (m === null) throw new DataError(ann, line, `${id}: expected "<type> <start> <end>" after the first tab, got ${show(body)}`);
    const [, label, offsets] = m;
    if (/[\s\u0000-\u001F]/u.test(label)) throw new DataError(ann, line, `${id}: the type ${JSON.stringify(label)} holds a space or control character; a tag cannot`);
    const fragments = offsets.split(';').map((f) => /^(\d+) (\d+)$/.exec(f.trim()));
    if (fragments.some((f) => f === null)) throw new DataError(ann, line, `${id}: expected non-negative integer offsets "<start> <end>" after the type, got ${show(offsets)}`);
    if (fragments.length > 1) {
      notes.push(`${ann}:${line}: ${id} ${label} is discontinuous (${offsets}); BIO tags cannot hold it, skipped`);
      return;
    }
    const entity: Entity = { id, label, start: Number(fragments[0]![1]), end: Number(fragments[0]![2]), text: fields.length > 2 ? fields.slice(2).join('\t') : undefined, line };
    const key = `${entity.start} ${entity.end} ${label}`;
    const first = seen.get(key);
    if (first !== undefined) {
      notes.push(`${ann}:${line}: ${id} repeats ${first.id} (line ${first.line}), ${label} [${entity.start}, ${entity.end}); read once`);
      return;
    }
    seen.set(key, entity);
    entities.push(entity);
  });
  return entities;
}

/**
 * An entity as a span for spanSentences, its offsets checked against the
 * text here, so that an error names its `.ann` line. The `.ann` text is
 * passed on for comparison only where it differs beyond spacing (BRAT writes
 * a line break inside an entity as a space). `toUtf16` maps code points to
 * UTF-16 indices (codePointIndex), null for UTF-16 offsets.
 */
function entitySpan(e: Entity, text: string, toUtf16: readonly number[] | null, ann: string, unit: OffsetUnit): RawSpan {
  const length = toUtf16 === null ? text.length : toUtf16.length - 1;
  const given = `${e.id} ${e.label} [${e.start}, ${e.end})`;
  if (e.end > length) {
    throw new DataError(ann, e.line, `${given}: out of range, the .txt is ${length} ${unit === 'codepoint' ? 'code points' : 'UTF-16 code units'} long (${offsetWords(unit)})`);
  }
  if (e.start >= e.end) throw new DataError(ann, e.line, `${given}: empty, expected start < end`);
  if (toUtf16 === null && (insidePair(text, e.start) || insidePair(text, e.end))) {
    throw new DataError(ann, e.line, `${given}: an offset falls inside a surrogate pair (an emoji or other character outside the BMP); are the offsets code points (--offsets codepoint)?`);
  }
  const covered = toUtf16 === null ? text.slice(e.start, e.end) : text.slice(toUtf16[e.start], toUtf16[e.end]);
  const spaced = (s: string): string => s.replace(/\s+/gu, ' ').trim();
  const differs = e.text !== undefined && spaced(e.text) !== spaced(covered);
  return { start: e.start, end: e.end, label: e.label, text: differs ? e.text : undefined };
}

/**
 * A note of spanSentences, which names the `.ann` at record 1, placed at the
 * line of the entity it is about (the one named first in it), and with
 * `span N` (its place among the entities) as the entity's id.
 */
function placeNote(note: string, prefix: string, ann: string, entities: readonly Entity[]): string {
  if (!note.startsWith(prefix)) return note;
  let rest = note.slice(prefix.length);
  let about: Entity | undefined;
  const numbered = /^span (\d+) /.exec(rest);
  if (numbered !== null) {
    about = entities[Number(numbered[1]) - 1];
    if (about !== undefined) rest = `${about.id} ${rest.slice(numbered[0].length)}`;
  } else {
    let at = Infinity;
    for (const e of entities) {
      const i = rest.indexOf(`[${e.start}, ${e.end}) ${e.label}`);
      if (i >= 0 && i < at) {
        at = i;
        about = e;
      }
    }
  }
  return about === undefined ? `${ann}: ${rest}` : `${ann}:${about.line}: ${rest}`;
}

/** Sets each token's `lines` entry to the 1-based `.txt` line where it starts (tokens are slices of the text, in order). */
function setTextLines(sentences: Sentence[], text: string): void {
  let pos = 0;
  let line = 1;
  let counted = 0; // text[0, counted) has been scanned for line breaks
  for (const s of sentences) {
    s.tokens.forEach((token, i) => {
      const at = text.indexOf(token, pos);
      if (at < 0) throw new Error(`internal: the token ${JSON.stringify(token)} is not in the text after offset ${pos}`);
      for (; counted < at; counted++) if (text.charCodeAt(counted) === 10) line++;
      s.lines[i] = line;
      pos = at + token.length;
    });
  }
}
