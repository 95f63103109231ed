/**
 * `ner predict`: tag raw text (one sentence per line) or a CoNLL file.
 */
import * as fs from 'node:fs';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readConllStream } from '../io/conll';
import { TEXT_ENCODINGS, type TextEncoding, readLines } from '../io/lines';
import { predictProgress } from './progress';
import { NerModel } from '../model/nerModel';
import { TagOptions, TaggedSentence, roundProbabilities, tagLines, tagTokens } from '../predict';
import { DataError, UsageError } from '../errors';
import { LimitExceeded, MAX_NBEST, MAX_TAGGED_TOKENS } from '../limits';
import { OpenSequence, decodeContextTokens, startsSequence } from '../data/context';
import type { Sentence } from '../types';
import { checkOutput, writeOutput } from '../io/output';
import { Messages, assertInputFile, backendOptions, modelInputs, quietOption, startBackend } from './common';
import { loadModel } from '../io/modelStore';

export const command = 'predict';
export const describe = 'tag text or CoNLL tokens with a trained model';

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
    .options({
      model: { type: 'string', demandOption: true, describe: 'model directory written by ner train' },
      input: { type: 'string', default: '-', describe: "input file, or '-' for stdin" },
      'input-format': {
        choices: ['text', 'conll'],
        default: 'text',
        describe: 'text: one sentence per line, tokenised by ner; conll: one token per line (first column), blank line between sentences',
      },
      'token-column': { type: 'number', default: 0, describe: 'token column of conll input' },
      'comment-prefix': { type: 'string', describe: "conll input: skip lines starting with this (e.g. '#'): not tokens, not sentence ends" },
      encoding: { choices: TEXT_ENCODINGS, default: 'utf8' as TextEncoding, describe: 'encoding of the input, text or conll (latin1: ISO-8859-1)' },
      output: { type: 'string', default: '-', describe: "output file (a regular file is replaced only when complete), or '-' for stdout" },
      'output-format': {
        choices: ['conll', 'json', 'tsv', 'csv'],
        default: 'conll',
        describe:
          'conll: "token TAG" lines, blank line after each sentence; json: JSON Lines {tokens, tags, entities}; tsv, csv: one entity per row (sentence, start, end, type, text, confidence)',
      },
      'split-sentences': {
        type: 'boolean',
        default: false,
        describe: 'text input: cut each line into sentences (for paragraphs rather than one sentence per line)',
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
    })
    .example('$0 predict --model models/en --input news.txt --output-format json', 'entities with character offsets')
    .example('echo "Angela Merkel visited Paris ." | $0 predict --model models/en', 'from a pipe');
}

type PredictArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export type OutputFormat = 'conll' | 'json' | 'tsv' | 'csv';

/** Columns of the tsv and csv formats: one row per entity. */
const SPAN_COLUMNS = ['sentence', 'start', 'end', 'type', 'text', 'confidence'];

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** What goes before the first record: the header row of the span formats. */
export function formatHeader(format: OutputFormat): string {
  if (format === 'tsv') return `${SPAN_COLUMNS.join('\t')}\n`;
  if (format === 'csv') return `${SPAN_COLUMNS.join(',')}\n`;
  return '';
}

/**
 * One sentence in the output format. `number` is the sentence's 1-based
 * position in the input (the span formats' `sentence` column).
 */
export function formatRecord(sentence: TaggedSentence, format: OutputFormat, number = 1): string {
  if (format === 'json') return `${JSON.stringify(sentence, roundProbabilities)}\n`;
  if (format === 'conll') return sentence.tokens.map((t, i) => `${t} ${sentence.tags[i]}\n`).join('') + '\n';
  return sentence.entities
    .map((e) => {
      const fields = [String(number), String(e.start), String(e.end), e.type, e.text, e.confidence === undefined ? '' : e.confidence.toFixed(4)];
      // A tab or line break inside a span (raw text) would break a tsv row.
      return format === 'tsv' ? `${fields.map((f) => f.replace(/[\t\r\n]/g, ' ')).join('\t')}\n` : `${fields.map(csvField).join(',')}\n`;
    })
    .join('');
}

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

export async function handler(args: PredictArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const format = args.outputFormat as OutputFormat;
  const options = tagOptions(args, format);
  if (args.splitSentences && args.inputFormat === 'conll') throw new UsageError('--split-sentences applies to text input, not --input-format conll');
  if (args.commentPrefix !== undefined && args.inputFormat !== 'conll') throw new UsageError('--comment-prefix applies to --input-format conll, not text input');
  if (args.commentPrefix === '') throw new UsageError('--comment-prefix must not be empty');
  if (args.input !== '-') assertInputFile(args.input);
  // Before the (slower) model load, and before anything is read.
  const output = checkOutput(args.output, [{ option: '--input', file: args.input }, ...modelInputs(args.model)]);
  await startBackend(args, messages);
  const model = await loadModel(args.model);
  const name = args.input === '-' ? '<stdin>' : args.input;
  const count = { bytes: 0 };
  const progress = predictProgress({ quiet: args.quiet, totalBytes: args.input === '-' ? undefined : fs.statSync(args.input).size });
  let sentences = 0;
  try {
    await writeOutput(output, async (out) => {
      out.write(formatHeader(format));
      const emit = (tagged: TaggedSentence[]) => {
        for (const s of tagged) out.write(formatRecord(s, format, ++sentences));
        progress.update(count.bytes, sentences);
      };
      const stream = args.input === '-' ? process.stdin : fs.createReadStream(args.input);
      const lines = readLines(counted(stream, count), name, undefined, args.encoding);
      // A limit met while tagging (limits.ts) names the line of the item at fault.
      const atLine = <R>(line: (index: number) => number, tag: () => R): R => {
        try {
          return tag();
        } catch (err) {
          if (err instanceof LimitExceeded) throw new DataError(name, line(err.index), err.message);
          throw err;
        }
      };
      if (args.inputFormat === 'conll') {
        const reading = { tokenColumn: args.tokenColumn, commentPrefix: args.commentPrefix, requireTags: false, maxSentenceTokens: MAX_TAGGED_TOKENS };
        for await (const group of groups(readConllStream(lines, name, reading), (s) => s.tokens.length, sequenceStarts(model))) {
          const documents = group.map((s) => s.document);
          emit(atLine((i) => group[i].lines[0], () => tagTokens(model, group.map((s) => s.tokens), { ...options, documents })));
        }
      } else {
        let firstLine = 1;
        for await (const group of groups(lines, (l) => l.text.length)) {
          emit(atLine((i) => group[i].number, () => tagLines(model, group.map((l) => l.text), { ...options, splitSentences: args.splitSentences, firstLine })));
          firstLine += group.length;
        }
      }
    });
  } finally {
    progress.stop();
    model.dispose();
  }
  if (args.output !== '-') messages.info(`tagged ${sentences} sentences into ${args.output}`);
}
