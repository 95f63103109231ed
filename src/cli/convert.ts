/**
 * `ner convert`: tagged data from one format into another (CoNLL, CSV, JSON
 * Lines of spans, Label Studio, BRAT), to move it between ner and the
 * annotation tools. What was written is read back as ner would read it, and
 * any sentence that would not come back the same (a format that holds no
 * tokens, tokenised again) is reported, so no change passes silently.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { Corpus, Sentence, TagScheme } from '../types';
import { TAG_SCHEMES, convertTags, describeDetection, chooseScheme } from '../data/tagScheme';
import { WRITABLE_FORMATS, WritableFormat, bratFiles, writeCorpus } from '../io/corpusWriters';
import { parseCorpus } from '../io/corpusFormat';
import { bratDocument } from '../io/bratCorpus';
import { checkOutput, checkOutputDir, writeOutput, writeOutputDir } from '../io/output';
import { Messages, quietOption } from './common';
import { asFlagError, corpusReading, dataOptions, readData } from './dataOptions';

export const command = 'convert';
export const describe = 'convert tagged data between CoNLL, CSV, JSONL, Label Studio and BRAT';

export function builder(yargs: Argv) {
  const { 'data-format': format, ...reading } = dataOptions('--input');
  return yargs
    .options({
      input: { type: 'string', demandOption: true, describe: 'tagged data to convert (a BRAT corpus is a directory)' },
      'input-format': format,
      output: { type: 'string', demandOption: true, describe: "file to write ('-' for stdout), or for brat a new or empty directory" },
      'output-format': { choices: WRITABLE_FORMATS as unknown as string[], demandOption: true, describe: 'format to write' },
      scheme: { choices: ['auto', ...TAG_SCHEMES], default: 'auto', describe: 'tag scheme of the input, to read its chunks as spans (jsonl, labelstudio, brat); auto detects it' },
      ...reading,
      ...quietOption,
    })
    .example('$0 convert --input train.conll --output train.jsonl --output-format jsonl', 'CoNLL to JSON Lines of spans (Prodigy, spaCy, doccano)')
    .example('$0 convert --input export.json --output train.conll --output-format conll', 'a Label Studio export to CoNLL')
    .example('$0 convert --input ner_dataset.csv --encoding latin1 --token-column Word --tag-column Tag --sentence-column "Sentence #" --output gmb.conll --output-format conll', "Kaggle's GMB CSV to CoNLL");
}

type ConvertArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

const SPAN_FORMATS: readonly WritableFormat[] = ['jsonl', 'labelstudio', 'brat'];

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

export async function handler(args: ConvertArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const format = args.outputFormat as WritableFormat;
  const inputs = [{ option: '--input', file: args.input }];
  const destination = format === 'brat' ? checkOutputDir(args.output, '--output-format brat') : checkOutput(args.output, inputs);
  const { corpus, format: read } = readData(args.input, corpusReading({ ...args, dataFormat: args.inputFormat }), messages);
  let scheme = args.scheme as TagScheme | 'auto';
  if (scheme === 'auto') {
    const detection = chooseScheme(corpus.sentences);
    scheme = detection.scheme;
    if (SPAN_FORMATS.includes(format)) messages.info(`scheme: ${describeDetection(detection, args.input)}`);
  }
  const files = render(corpus, format, scheme);
  const changed = difference(corpus.sentences, readBack(files, format, args.output), format, scheme);
  if (changed !== undefined) {
    messages.warn(`${args.output}: ${changed}${format === 'labelstudio' || format === 'brat' ? ` (${format} holds no tokens: ner tokenises its text again)` : ''}`);
  }
  if (corpus.sentences.some((s) => s.document !== undefined) && !['conll', 'brat'].includes(format)) {
    messages.info(`${args.input} has documents; ${format} keeps sentences only, so document context is lost`);
  }
  try {
    if (typeof destination === 'string') {
      await writeOutputDir(destination, args.output, (open) => {
        for (const [name, text] of files) open(name).write(text);
      });
    } else {
      await writeOutput(destination, (out) => out.write(files.get('')!));
    }
  } catch (err) {
    throw asFlagError(err);
  }
  if (args.output !== '-') messages.info(`wrote ${corpus.sentences.length} sentences from ${read} ${args.input} as ${format} to ${args.output}`);
}
