/**
 * `ner predict`: tag raw text (one sentence per line), JSON Lines records or a CoNLL file;
 * the output formats are in predictOutput.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readConllStream } from '../io/conll';
import { TEXT_ENCODINGS, type TextEncoding, readLines } from '../io/lines';
import { predictProgress } from './progress';
import { NerModel } from '../model/nerModel';
import { TagOptions, TaggedSentence, tagLinesAsync, tagTokensAsync } from '../predict';
import { DataError, UsageError } from '../errors';
import { LimitExceeded, MAX_NBEST, MAX_TAGGED_TOKENS } from '../limits';
import { OpenSequence, decodeContextTokens, startsSequence } from '../data/context';
import type { Sentence } from '../types';
import { type Output, checkOutput, checkOutputDir, writeOutput, writeOutputDir } from '../io/output';
import { textRecords } from '../io/textRecords';
import { tokenize } from '../io/tokenize';
import { joinTokens } from '../decode/entities';
import { parseTag } from '../data/tagScheme';
import { describeColumns, lacksColumns } from '../data/tokenFeatures';
import { OUTPUT_FORMATS, type OutputFormat, type RecordWriter, bratWriter, recordWriter, sayingReplacedFields } from './predictOutput';
import { assertInputFile, backendOptions, commandGroup, Messages, modelInputs, quietOption, startBackend } from './common';
import { loadModel } from '../io/modelStore';

export const command = 'predict';
export const describe = 'tag text, JSON Lines records or CoNLL tokens with a trained model';

/**
 * Lines (text) or sentences (conll) tagged per model call, and the most
 * characters (text) or tokens (conll) a group gathers before it is tagged:
 * the model sorts each group by length into batches, and memory stays bounded
 * on any input (one line or sentence beyond these is taken whole, up to the
 * limits of limits.ts).
 */
const GROUP = 1000;
const GROUP_SIZE = 1 << 20;

export function builder(yargs: Argv) {
  return yargs
    .options(
      commandGroup('Input and output:', {
        model: { type: 'string', demandOption: true, describe: 'model directory written by ner train' },
        input: { type: 'string', default: '-', describe: "input file, or '-' for stdin" },
        'input-format': {
          choices: ['text', 'jsonl', 'conll'],
          default: 'text',
          describe:
            'text: one sentence per line, tokenised by ner; jsonl: one JSON object per line, its "text" tagged as a text line and its other fields kept (json, spans, labelstudio output); conll: one token per line (first column), blank line between sentences',
        },
        'token-column': { type: 'number', defaultDescription: '0', describe: 'token column of conll input' },
        'comment-prefix': { type: 'string', describe: "conll input: skip lines starting with this (e.g. '#'): not tokens, not sentence ends" },
        encoding: { choices: TEXT_ENCODINGS, default: 'utf8' as TextEncoding, describe: 'encoding of the input, text, jsonl or conll (latin1: ISO-8859-1)' },
        output: {
          type: 'string',
          default: '-',
          describe: "output file (a regular file is replaced only when complete), or '-' for stdout; brat: a new or empty directory, written complete or not at all",
        },
        'output-format': {
          choices: OUTPUT_FORMATS,
          default: 'conll' as OutputFormat,
          describe:
            'conll: "token TAG" lines, blank line after each sentence; json: JSON Lines {tokens, tags, entities} (UTF-16 offsets); ' +
            'tsv, csv: one entity per row (sentence, start, end, type, text, confidence); ' +
            'spans: JSON Lines {text, tokens, spans: [{start, end, label, confidence}]} per input line or record (Prodigy, spaCy); ' +
            'labelstudio: one JSON array of tasks with predictions, to import into Label Studio; ' +
            'brat: <input name>.txt, .ann and annotation.conf in the --output directory. ' +
            'spans, labelstudio and brat offsets count Unicode code points, as Python does',
        },
        'split-sentences': {
          type: 'boolean',
          default: false,
          describe: 'text and jsonl input: cut each text into sentences (for paragraphs rather than one sentence per line)',
        },
        constraints: {
          type: 'boolean',
          default: true,
          describe: 'decode only tag sequences the tag scheme allows (--no-constraints: any sequence)',
          group: 'Decoding:',
        },
        nbest: { type: 'number', default: 1, describe: 'list the K best tag sequences with their log-probabilities (json output)', group: 'Decoding:' },
        'min-confidence': { type: 'number', describe: 'drop entities whose probability under the model is below X (their tokens become O)', group: 'Decoding:' },
        marginals: { type: 'boolean', default: false, describe: "add each token's tag probabilities (json output)", group: 'Decoding:' },
        ...backendOptions,
        ...quietOption,
      }),
    )
    .example('$0 predict --model models/en --input news.txt --output-format json', 'entities with character offsets')
    .example('echo "Angela Merkel visited Paris ." | $0 predict --model models/en', 'from a pipe')
    .example('$0 predict --model models/en --input news.jsonl --input-format jsonl --output-format labelstudio --output tasks.json', 'pre-annotations for Label Studio')
    .example('$0 predict --model models/en --input news.txt --output-format brat --output news-brat', 'a BRAT collection: news.txt, news.ann, annotation.conf');
}

type PredictArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export { formatHeader, formatRecord, type OutputFormat } from './predictOutput';

/** Decoding options from the command line; all formats but conll carry entity confidences. */
export function tagOptions(args: { constraints: boolean; nbest: number; minConfidence?: number; marginals: boolean }, format: OutputFormat): TagOptions {
  if (!Number.isInteger(args.nbest) || args.nbest < 1 || args.nbest > MAX_NBEST) {
    throw new UsageError(`--nbest must be an integer from 1 to ${MAX_NBEST}, got ${args.nbest}`);
  }
  const { minConfidence } = args;
  if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1)) throw new UsageError(`--min-confidence must be in [0, 1], got ${minConfidence}`);
  if (format !== 'json' && (args.nbest > 1 || args.marginals)) throw new UsageError('--nbest and --marginals need --output-format json');
  return { constraints: args.constraints, nbest: args.nbest, marginals: args.marginals, confidence: format !== 'conll', minConfidence };
}

/** Counts bytes as they pass, for the progress bar. */
async function* counted(stream: AsyncIterable<Buffer>, count: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    count.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Groups of items from an async stream, the unit the model tags at once: a
 * group is full at GROUP items or GROUP_SIZE of `size`, and ends at the first
 * item after that where `canCut` allows (where the model starts a new
 * sequence anyway, so that grouping never changes what it reads).
 */
async function* groups<T>(items: AsyncIterable<T>, size: (item: T) => number, canCut: (item: T) => boolean = () => true): AsyncGenerator<T[]> {
  let group: T[] = [];
  let total = 0;
  for await (const item of items) {
    const cut = canCut(item);
    if ((group.length >= GROUP || total >= GROUP_SIZE) && cut) {
      yield group;
      group = [];
      total = 0;
    }
    group.push(item);
    total += size(item);
  }
  if (group.length > 0) yield group;
}

/**
 * Where a stream of CoNLL sentences may be cut without changing what the
 * model reads: where packSentences starts a new sequence (data/context.ts).
 * Call once per sentence, in order.
 */
function sequenceStarts(model: NerModel): (sentence: Sentence) => boolean {
  const maxTokens = decodeContextTokens(model.shape.contextTokens ?? 0);
  let open: OpenSequence | undefined;
  return (sentence) => {
    const starts = startsSequence(open, sentence.document, sentence.tokens.length, maxTokens);
    open = starts ? { document: sentence.document, tokens: sentence.tokens.length } : { document: open!.document, tokens: open!.tokens + sentence.tokens.length };
    return starts;
  };
}

/** The options of a run that reading and tagging the input need. */
interface InputOptions {
  input: string;
  inputFormat: 'text' | 'jsonl' | 'conll';
  encoding: TextEncoding;
  tokenColumn?: number;
  commentPrefix?: string;
  splitSentences: boolean;
}

/**
 * Reads the input a group at a time, tags each group, and hands each record
 * to `writer`; `done` is called after every group (progress).
 */
async function tagInput(model: NerModel, args: InputOptions, options: TagOptions, writer: RecordWriter, count: { bytes: number }, done: () => void): Promise<void> {
  const name = args.input === '-' ? '<stdin>' : args.input;
  const stream = args.input === '-' ? process.stdin : fs.createReadStream(args.input);
  const lines = readLines(counted(stream, count), name, undefined, args.encoding);
  // A limit met while tagging (limits.ts) names the line of the item at fault.
  const atLine = async <R>(line: (index: number) => number, tag: () => Promise<R>): Promise<R> => {
    try {
      return await tag();
    } catch (err) {
      if (err instanceof LimitExceeded) throw new DataError(name, line(err.index), err.message);
      throw err;
    }
  };
  if (args.inputFormat === 'conll') {
    const featureColumns = model.features?.columnNames;
    if (featureColumns?.some((c) => typeof c === 'string')) {
      throw new UsageError(`the model reads the csv columns ${describeColumns(featureColumns)} as features, which CoNLL input names by index only; tag a csv file with ner eval, or CoNLL input from a model trained on CoNLL columns`);
    }
    const reading = { tokenColumn: args.tokenColumn, commentPrefix: args.commentPrefix, requireTags: false, maxSentenceTokens: MAX_TAGGED_TOKENS, featureColumns: featureColumns as number[] | undefined };
    for await (const group of groups(readConllStream(lines, name, reading), (s) => s.tokens.length, sequenceStarts(model))) {
      const documents = group.map((s) => s.document);
      const featureValues = group.map((s) => s.featureValues);
      const tagged = await atLine((i) => group[i].lines[0], () => tagTokensAsync(model, group.map((s) => s.tokens), { ...options, documents, featureValues }));
      tagged.forEach((sentence, i) => {
        const { line, spans } = joinTokens(group[i].tokens);
        writer.record({ text: line, sentences: [sentence], tokenSpans: () => spans });
      });
      done();
    }
  } else {
    for await (const group of groups(textRecords(lines, name, args.inputFormat), (r) => r.text.length)) {
      const tagged = await atLine((i) => group[i].line, () => tagLinesAsync(model, group.map((r) => r.text), { ...options, splitSentences: args.splitSentences, firstLine: 1 }));
      // Without --split-sentences one sentence a record; with it, each carries its record's index + 1 as `line`.
      const byRecord: TaggedSentence[][] = group.map(() => []);
      tagged.forEach((sentence, i) => {
        if (sentence.line === undefined) byRecord[i].push(sentence);
        else byRecord[sentence.line - 1].push({ ...sentence, line: group[sentence.line - 1].line });
      });
      group.forEach((r, i) => writer.record({ text: r.text, sentences: byRecord[i], fields: r.fields, tokenSpans: () => tokenize(r.text, MAX_TAGGED_TOKENS) }));
      done();
    }
  }
  writer.end();
}

/** Label Studio's model_version: the model directory's name, and when it was saved (so that a retrained model is a new version). */
export function modelVersion(dir: string, savedAt: string | undefined): string {
  const name = path.basename(path.resolve(dir));
  return savedAt === undefined ? name : `${name}@${savedAt}`;
}

/** The entity types a model predicts, sorted (BRAT's annotation.conf). */
function entityTypes(model: NerModel): string[] {
  return [...new Set(model.tags.tags().map((t) => parseTag(t).type).filter((t) => t !== ''))].sort();
}

/** The BRAT document's name: the input file's name without its extension, or `stdin`. */
export function bratDocumentName(input: string): string {
  if (input === '-') return 'stdin';
  const { name } = path.parse(input);
  return name === '' || name.startsWith('.') ? `doc${name}` : name;
}

function checkArgs(args: PredictArgs): void {
  if (args.splitSentences && args.inputFormat === 'conll') throw new UsageError('--split-sentences applies to text input (--input-format text or jsonl), not --input-format conll');
  for (const [flag, value] of [['--comment-prefix', args.commentPrefix], ['--token-column', args.tokenColumn]] as const) {
    if (value !== undefined && args.inputFormat !== 'conll') throw new UsageError(`${flag} applies to --input-format conll, not ${args.inputFormat} input`);
  }
  if (args.commentPrefix === '') throw new UsageError('--comment-prefix must not be empty');
}

export async function handler(args: PredictArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const format = args.outputFormat as OutputFormat;
  const options = tagOptions(args, format);
  checkArgs(args);
  // Before the (slower) model load, and before anything is read.
  const dir = format === 'brat' ? checkOutputDir(args.output, '--output-format brat') : undefined;
  if (args.input !== '-') assertInputFile(args.input);
  const output = dir === undefined ? checkOutput(args.output, [{ option: '--input', file: args.input }, ...modelInputs(args.model)]) : undefined;
  await startBackend(args, messages);
  const model = await loadModel(args.model);
  // A terminal gives no end of input until Ctrl-D: say what is awaited, or the command looks hung.
  if (args.input === '-' && process.stdin.isTTY === true) messages.info('reading text from the terminal (standard input): type lines, then Ctrl-D; or give --input FILE');
  const columns = model.features?.columnNames ?? [];
  if (columns.length > 0 && args.inputFormat !== 'conll') {
    model.dispose();
    throw new UsageError(`${lacksColumns(columns, `${args.inputFormat} input cannot have`)}: give --input-format conll with those columns`);
  }
  const count = { bytes: 0 };
  const counter = { sentences: 0 };
  const progress = predictProgress({ quiet: args.quiet, totalBytes: args.input === '-' ? undefined : fs.statSync(args.input).size });
  const input = { ...args, inputFormat: args.inputFormat as InputOptions['inputFormat'] };
  const run = (writer: RecordWriter) => tagInput(model, input, options, writer, count, () => progress.update(count.bytes, counter.sentences));
  try {
    if (dir !== undefined) {
      await writeOutputDir(dir, args.output, (open) => run(bratWriter(open, bratDocumentName(args.input), entityTypes(model), counter)));
    } else {
      const writer = (out: Output) => sayingReplacedFields(recordWriter(out, format, modelVersion(args.model, model.metadata().savedAt), counter), format, (line) => messages.warn(line));
      await writeOutput(output!, (out) => run(writer(out)));
    }
  } finally {
    progress.stop();
    model.dispose();
  }
  if (args.output !== '-') messages.info(`tagged ${counter.sentences} sentence${counter.sentences === 1 ? '' : 's'} into ${args.output}`);
}
