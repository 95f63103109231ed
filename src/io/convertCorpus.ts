/**
 * A corpus converted to another format, in memory, with what reading the
 * result would change: the one place `ner convert` (and a program) learns
 * whether tokens and tags survive the trip. The target is read back exactly
 * as ner reads it (corpusFormat.ts, bratCorpus.ts), so the answer is never a
 * guess about the tokenizer.
 */
import { DataError } from '../errors';
import type { Corpus, Sentence, TagScheme } from '../types';
import { convertTags } from '../data/tagScheme';
import { WritableFormat, bratFiles, writeCorpus } from './corpusWriters';
import { parseCorpus } from './corpusFormat';
import { bratDocument } from './bratCorpus';

export interface Converted {
  /** The files: for brat each by name, for the others one, named ''. */
  files: Map<string, string>;
  /** How the sentences read back would differ from the corpus (count, and the first where it parts), when they would. */
  changed?: string;
}

/** `corpus` in `format`, its chunks read in `scheme`; `where` names the output in messages. */
export function convertCorpus(corpus: Corpus, format: WritableFormat, scheme: TagScheme, where: string): Converted {
  const files = render(corpus, format, scheme);
  let read: Sentence[];
  try {
    read = readBack(files, format, where);
  } catch (err) {
    // Something the input's reader let through and the target's refuses: said, not hidden behind the output's name.
    if (!(err instanceof DataError)) throw err;
    return { files, changed: `would not read back as ${format}: ${err.reason}${err.line === undefined ? '' : ` (its line ${err.line})`}` };
  }
  return { files, changed: difference(corpus.sentences, read, format, scheme) };
}

export const SPAN_FORMATS: readonly WritableFormat[] = ['jsonl', 'labelstudio', 'brat'];

/** `format` rendered in memory: the one file, or the BRAT collection's files by name. */
function render(corpus: Corpus, format: WritableFormat, scheme: TagScheme): Map<string, string> {
  if (format === 'brat') return new Map([...bratFiles(corpus, scheme)].map((f) => [f.name, f.text]));
  const parts: string[] = [];
  writeCorpus(corpus, format, scheme, { write: (text) => parts.push(text) });
  return new Map([['', parts.join('')]]);
}

/** The sentences ner reads from what `render` gave, as `convert --input` of it would. */
function readBack(files: Map<string, string>, format: WritableFormat, where: string): Sentence[] {
  if (format !== 'brat') {
    return parseCorpus(files.get('')!, where, format).sentences;
  }
  const sentences: Sentence[] = [];
  let document = 0;
  for (const [name, text] of files) {
    if (!name.endsWith('.txt')) continue;
    const ann = files.get(name.replace(/\.txt$/, '.ann')) ?? '';
    sentences.push(...bratDocument(text, ann, { txt: name, ann: name.replace(/\.txt$/, '.ann'), document: document++ }, {}, []));
  }
  return sentences;
}

/** How the sentences read back differ from those written (tags compared in IOB2 for the span formats); undefined when they do not. */
function difference(written: readonly Sentence[], read: readonly Sentence[], format: WritableFormat, scheme: TagScheme): string | undefined {
  const tagsOf = (s: Sentence) => (SPAN_FORMATS.includes(format) ? convertTags(s.tags, scheme, 'iob2') : s.tags);
  const same = (a: Sentence, b: Sentence) => a.tokens.join(' ') === b.tokens.join(' ') && tagsOf(a).join(' ') === b.tags.join(' ');
  const differing = written.filter((s, i) => i >= read.length || !same(s, read[i])).length + Math.max(0, read.length - written.length);
  if (differing === 0) return undefined;
  const first = written.findIndex((s, i) => i >= read.length || !same(s, read[i]));
  const at = first < 0 ? written.length : first;
  const example = `the first, sentence ${at + 1}${written[at] === undefined ? '' : ` (line ${written[at].lines[0]})`}: ${whereTheyDiffer(written[at], read[at], tagsOf)}`;
  // Once one sentence is cut in two, every later one is out of step: then only the counts mean something.
  const how =
    read.length === written.length
      ? `${differing} of ${written.length} sentences would read back different`
      : `${written.length} sentences would read back as ${read.length}`;
  return `${how}; ${example}`;
}

/** The first token where two sentences part, a few tokens either side: `… "Securities 's plant" comes back as "Securities ' s plant" …`. */
function whereTheyDiffer(a: Sentence | undefined, b: Sentence | undefined, tagsOf: (s: Sentence) => string[]): string {
  if (a === undefined || b === undefined) return `${a === undefined ? 'nothing' : 'a sentence'} comes back as ${b === undefined ? 'nothing' : 'a sentence'}`;
  const aTags = tagsOf(a);
  let k = 0;
  while (k < a.tokens.length && k < b.tokens.length && a.tokens[k] === b.tokens[k] && aTags[k] === b.tags[k]) k++;
  const from = Math.max(0, k - 3);
  const show = (tokens: string[], tags: string[]) => {
    const part = tokens.slice(from, k + 4).map((t, i) => (tags[from + i] === 'O' || tags[from + i] === undefined ? t : `${t}/${tags[from + i]}`));
    return `${from > 0 ? '... ' : ''}${JSON.stringify(part.join(' '))}${k + 4 < tokens.length ? ' ...' : ''}`;
  };
  return `${show(a.tokens, aTags)} comes back as ${show(b.tokens, b.tags)}`;
}
