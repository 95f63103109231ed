/**
 * `ner predict`: tag raw text (one sentence per line) or a CoNLL file.
 */
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { readConllFile, parseConll } from '../io/conll';
import { NerModel } from '../model/nerModel';
import { TaggedSentence, tagLines, tagTokens } from '../predict';
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

export async function handler(args: PredictArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  if (args.input !== '-') assertInputFile(args.input);
  // Validate the output target before the (slower) model load.
  new AtomicOutput(args.output).abort();
  await startBackend(args, messages);
  const model = await NerModel.load(args.model);
  const format = args.outputFormat as 'conll' | 'json';
  let sentences = 0;
  try {
    await writeAtomically(args.output, async (out) => {
      if (args.inputFormat === 'conll') {
        const options = { tokenColumn: args.tokenColumn, requireTags: false };
        const corpus = args.input === '-' ? parseConll(readTextInput('-'), '<stdin>', options) : readConllFile(args.input, options);
        for (const s of tagTokens(model, corpus.sentences.map((x) => x.tokens))) out.write(formatRecord(s, format));
        sentences = corpus.sentences.length;
      } else {
        for await (const lines of textLines(args.input)) {
          for (const s of tagLines(model, lines)) out.write(formatRecord(s, format));
          sentences += lines.length;
        }
      }
    });
  } finally {
    model.dispose();
  }
  if (args.output !== '-') messages.info(`tagged ${sentences} sentences into ${args.output}`);
}
