/**
 * `ner predict`: tag raw text (one sentence per line) or a CoNLL file.
 */
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readConllFile, parseConll } from '../io/conll';
import { NerModel } from '../model/nerModel';
import { TagOptions, TaggedSentence, tagLines, tagTokens } from '../predict';
import { UsageError } from '../errors';
import { AtomicOutput, Messages, assertInputFile, backendOptions, quietOption, readTextInput, startBackend, writeAtomically } from './common';

export const command = 'predict';
export const describe = 'tag text or CoNLL tokens with a trained model';

/** Lines tagged per model call when reading text: bounds memory on big inputs. */
const TEXT_CHUNK = 1000;

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
      output: { type: 'string', default: '-', describe: "output file (written atomically), or '-' for stdout" },
      'output-format': {
        choices: ['conll', 'json'],
        default: 'conll',
        describe: 'conll: "token TAG" lines, blank line after each sentence; json: JSON Lines {tokens, tags, entities}',
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

export function formatRecord(sentence: TaggedSentence, format: 'conll' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(sentence)}\n`;
  return sentence.tokens.map((t, i) => `${t} ${sentence.tags[i]}\n`).join('') + '\n';
}

async function* textLines(input: string): AsyncGenerator<string[]> {
  const stream = input === '-' ? process.stdin : fs.createReadStream(input, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let chunk: string[] = [];
  let first = true;
  for await (const raw of lines) {
    const line = first ? raw.replace(/^\uFEFF/, '') : raw;
    first = false;
    chunk.push(line);
    if (chunk.length >= TEXT_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Decoding options from the command line; JSON output always carries entity confidences. */
export function tagOptions(args: { constraints: boolean; nbest: number; minConfidence?: number; marginals: boolean }, format: 'conll' | 'json'): TagOptions {
  if (!Number.isInteger(args.nbest) || args.nbest < 1) throw new UsageError(`--nbest must be a positive integer, got ${args.nbest}`);
  const { minConfidence } = args;
  if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1)) throw new UsageError(`--min-confidence must be in [0, 1], got ${minConfidence}`);
  if (format !== 'json' && (args.nbest > 1 || args.marginals)) throw new UsageError('--nbest and --marginals need --output-format json');
  return { constraints: args.constraints, nbest: args.nbest, marginals: args.marginals, confidence: format === 'json', minConfidence };
}

export async function handler(args: PredictArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const format = args.outputFormat as 'conll' | 'json';
  const options = tagOptions(args, format);
  if (args.input !== '-') assertInputFile(args.input);
  // Validate the output target before the (slower) model load.
  new AtomicOutput(args.output).abort();
  await startBackend(args, messages);
  const model = await NerModel.load(args.model);
  let sentences = 0;
  try {
    await writeAtomically(args.output, async (out) => {
      if (args.inputFormat === 'conll') {
        const reading = { tokenColumn: args.tokenColumn, requireTags: false };
        const corpus = args.input === '-' ? parseConll(readTextInput('-'), '<stdin>', reading) : readConllFile(args.input, reading);
        for (const s of tagTokens(model, corpus.sentences.map((x) => x.tokens), options)) out.write(formatRecord(s, format));
        sentences = corpus.sentences.length;
      } else {
        for await (const lines of textLines(args.input)) {
          for (const s of tagLines(model, lines, options)) out.write(formatRecord(s, format));
          sentences += lines.length;
        }
      }
    });
  } finally {
    model.dispose();
  }
  if (args.output !== '-') messages.info(`tagged ${sentences} sentences into ${args.output}`);
}
