/**
 * `ner eval`: conlleval's report for a model on gold data, or for a prediction file.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { UsageError } from '../errors';
import type { TagScheme } from '../types';
import { detectScheme } from '../data/tagScheme';
import { ConllevalCounts, conllevalJson, formatConllevalReport, parseConllevalText } from '../eval/conlleval';
import { evaluateModel } from '../eval/evaluateModel';
import { formatConllColumns, readConllFile } from '../io/conll';
import { NerModel } from '../model/nerModel';
import { Messages, backendOptions, quietOption, readTextInput, startBackend, writeAtomically } from './common';

export const command = 'eval';
export const describe = "entity-level precision, recall and F1, as conlleval.pl reports them";

export function builder(yargs: Argv) {
  return yargs
    .options({
      model: { type: 'string', describe: 'model directory to evaluate (with --data)' },
      data: { type: 'string', describe: 'gold CoNLL data to tag and score (with --model)' },
      pred: { type: 'string', describe: "prediction file in conlleval's layout: columns ..., gold tag, predicted tag ('-' for stdin)" },
      'token-column': { type: 'number', default: 0, describe: 'token column of --data' },
      'tag-column': { type: 'number', default: -1, describe: 'gold tag column of --data' },
      scheme: {
        choices: ['auto', 'iob1', 'iob2', 'iobes'],
        default: 'auto',
        describe: 'tag scheme of --pred (auto detects it from the gold column); IOBES is converted to IOB2 before scoring',
      },
      output: { type: 'string', describe: "with --model: also write 'token gold predicted' lines (conlleval's input) to this file" },
      json: { type: 'boolean', default: false, describe: 'print the numbers as JSON instead of the conlleval report' },
      ...backendOptions,
      ...quietOption,
    })
    .conflicts('pred', ['model', 'data'])
    .check((argv) => {
      if (argv.pred === undefined && (argv.model === undefined || argv.data === undefined)) {
        throw new UsageError('give --model DIR with --data FILE, or --pred FILE');
      }
      if (argv.output !== undefined && argv.pred !== undefined) throw new UsageError('--output goes with --model and --data, not --pred');
      return true;
    })
    .example('$0 eval --model models/en --data test.conll', 'tag the test set and score it')
    .example('$0 eval --pred predictions.txt --json', 'score an existing prediction file');
}

type EvalArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

/** The scheme of a prediction file, from its gold column (the second-to-last field). */
function predFileScheme(text: string): TagScheme {
  const gold = text
    .split(/\r?\n/)
    .map((l) => l.trim().split(/[ \t]+/))
    .filter((f) => f.length >= 2)
    .map((f) => f[f.length - 2]);
  return detectScheme([gold]);
}

async function scoreModel(args: EvalArgs, messages: Messages): Promise<ConllevalCounts> {
  const corpus = readConllFile(args.data!, { tokenColumn: args.tokenColumn, tagColumn: args.tagColumn });
  await startBackend(args, messages);
  const model = await NerModel.load(args.model!);
  try {
    const { counts, predictions } = evaluateModel(model, corpus);
    if (args.output !== undefined) {
      const rows = corpus.sentences.map((s, i) => s.tokens.map((t, j) => [t, s.tags[j], predictions[i][j]]));
      await writeAtomically(args.output, (out) => out.write(formatConllColumns(rows)));
    }
    return counts;
  } finally {
    model.dispose();
  }
}

export async function handler(args: EvalArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  let counts: ConllevalCounts;
  if (args.pred !== undefined) {
    const text = readTextInput(args.pred);
    const scheme = args.scheme === 'auto' ? predFileScheme(text) : (args.scheme as TagScheme);
    counts = parseConllevalText(text, args.pred === '-' ? '<stdin>' : args.pred, scheme);
  } else {
    counts = await scoreModel(args, messages);
  }
  process.stdout.write(args.json ? `${JSON.stringify(conllevalJson(counts), null, 2)}\n` : formatConllevalReport(counts));
}
