/**
 * `ner convert`: tagged data from one format into another (CoNLL, CSV, JSON
 * Lines of spans, Label Studio, BRAT), to move it between ner and the
 * annotation tools. Any sentence that would not come back the same (a
 * format that holds no tokens, tokenised again) is reported
 * (io/convertCorpus.ts), so no change passes silently.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../errors';
import type { TagScheme } from '../types';
import { TAG_SCHEMES, describeDetection, chooseScheme } from '../data/tagScheme';
import { WRITABLE_FORMATS, WritableFormat, documents } from '../io/corpusWriters';
import { SPAN_FORMATS, convertCorpus } from '../io/convertCorpus';
import { checkOutput, checkOutputDir, writeOutput, writeOutputDir } from '../io/output';
import { commandGroup, Messages, quietOption } from './common';
import { corpusReading, dataOptions, readDataFiles } from './dataOptions';

export const command = 'convert';
export const describe = 'convert tagged data between CoNLL, CSV, JSONL, Label Studio and BRAT';

export function builder(yargs: Argv) {
  const { 'data-format': format, ...reading } = dataOptions('--input');
  return yargs
    .options(
      commandGroup('Conversion:', {
        input: { type: 'string', demandOption: true, describe: 'tagged data to convert (a BRAT corpus is a directory)' },
        'input-format': format,
        output: { type: 'string', demandOption: true, describe: "file to write ('-' for stdout), or for brat a new or empty directory" },
        'output-format': { choices: WRITABLE_FORMATS as unknown as string[], demandOption: true, describe: 'format to write' },
        scheme: { choices: ['auto', ...TAG_SCHEMES], default: 'auto', describe: 'tag scheme of the input, to read its chunks as spans (jsonl, labelstudio, brat); auto detects it' },
        ...reading,
        ...quietOption,
      }),
    )
    .example('$0 convert --input train.conll --output train.jsonl --output-format jsonl', 'CoNLL to JSON Lines of spans (Prodigy, spaCy, doccano)')
    .example('$0 convert --input export.json --output train.conll --output-format conll', 'a Label Studio export to CoNLL')
    .example('$0 convert --input ner_dataset.csv --encoding latin1 --token-column Word --tag-column Tag --sentence-column "Sentence #" --output gmb.conll --output-format conll', "Kaggle's GMB CSV to CoNLL");
}

type ConvertArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export async function handler(args: ConvertArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const format = args.outputFormat as WritableFormat;
  if (args.scheme !== 'auto' && !SPAN_FORMATS.includes(format)) {
    throw new UsageError(`--scheme says how to read the input's tags as spans, for jsonl, labelstudio and brat output; ${format} output keeps the tags as they are`);
  }
  const inputs = [{ option: '--input', file: args.input }];
  const destination = format === 'brat' ? checkOutputDir(args.output, '--output-format brat') : checkOutput(args.output, inputs);
  const [{ corpus, format: read }] = readDataFiles([{ file: args.input }], corpusReading({ ...args, dataFormat: args.inputFormat }), messages);
  let scheme = args.scheme as TagScheme | 'auto';
  if (scheme === 'auto') {
    const detection = chooseScheme(corpus.sentences);
    scheme = detection.scheme;
    if (SPAN_FORMATS.includes(format)) messages.info(`scheme: ${describeDetection(detection, args.input)}`);
  }
  const { files, changed } = convertCorpus(corpus, format, scheme, args.output);
  if (changed !== undefined) {
    messages.warn(`${args.output}: ${changed}${format === 'labelstudio' || format === 'brat' ? ` (${format} holds no tokens: ner tokenises its text again)` : ''}`);
  }
  if (format === 'csv' && documents(corpus.sentences).some((group) => group.length > 1)) {
    messages.warn(`${args.input} has documents; csv keeps sentences only, so a model trained on it reads no document context`);
  }
  if (typeof destination === 'string') {
    await writeOutputDir(destination, args.output, (open) => {
      for (const [name, text] of files) open(name).write(text);
    });
  } else {
    await writeOutput(destination, (out) => out.write(files.get('')!));
  }
  if (args.output !== '-') messages.info(`wrote ${corpus.sentences.length} sentence${corpus.sentences.length === 1 ? '' : 's'} from ${read} ${args.input} as ${format} to ${args.output}`);
}
