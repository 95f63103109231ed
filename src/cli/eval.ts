/**
 * `ner eval`: conlleval's report for a model on gold data, or for a prediction file.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DataError, UsageError } from '../errors';
import { MAX_TAGGED_TOKENS } from '../limits';
import type { Corpus, TagScheme } from '../types';
import { SchemeDetection, TAG_SCHEMES, TagStyle, describeDetection, fromSuffixStyle, schemeBreaks, tagStyle } from '../data/tagScheme';
import { ConllevalCounts, ScoredSentence, conllevalJson, formatConllevalReport, scoreConllevalFile } from '../eval/conlleval';
import { checkStrictTags, confusionMatrix, formatConfusion, formatErrors, formatSpanReport, spanErrors, spanReport } from '../eval/report';
import { evaluateModelAsync } from '../eval/evaluateModel';
import { lacksColumns } from '../data/tokenFeatures';
import { formatConllColumns } from '../io/conll';
import { checkOutput, writeOutput } from '../io/output';
import { backendOptions, commandGroup, Messages, modelInputs, quietOption, readTextInput, startBackend } from './common';
import { corpusReading, dataOptions, readDataFiles } from './dataOptions';
import { loadModel } from '../io/modelStore';

export const command = 'eval';
export const describe = "entity-level precision, recall and F1, as conlleval.pl reports them";

export function builder(yargs: Argv) {
  return yargs
    .options(
      commandGroup('Evaluation:', {
        model: { type: 'string', describe: 'model directory to evaluate (with --data)' },
        data: { type: 'string', describe: 'gold data to tag and score (with --model): CoNLL, CSV, JSONL, Label Studio or a BRAT directory (--data-format)' },
        pred: { type: 'string', describe: "prediction file in conlleval's layout: columns ..., gold tag, predicted tag ('-' for stdin)" },
        ...dataOptions('--data'),
        scheme: {
          choices: ['auto', ...TAG_SCHEMES],
          default: 'auto',
          describe: 'tag scheme of --pred (auto detects it from the gold column); IOBES and BILOU chunks are counted in IOB2',
        },
        suffix: {
          type: 'boolean',
          default: false,
          describe: "tags carry their prefix last (PER-B, MISC-I), as seqeval's suffix=True: read them as B-PER, I-MISC",
        },
        output: { type: 'string', describe: "with --model: also write 'token gold predicted' lines (conlleval's input) to this file" },
        json: { type: 'boolean', default: false, describe: 'print everything as one JSON object instead of text' },
        report: { type: 'boolean', default: false, describe: 'add a per-type table (support, P, R, F1; micro, macro and weighted averages) and a token confusion matrix' },
        errors: { type: 'number', describe: 'list the first N mismatched spans (missed, spurious, wrong type, wrong boundary) with context' },
        strict: {
          type: 'boolean',
          default: false,
          describe: "score spans the way seqeval's strict mode does: only well-formed spans of the scheme count (instead of conlleval's reading)",
        },
        ...backendOptions,
        ...quietOption,
      }),
    )
    .conflicts('pred', ['model', 'data'])
    .check((argv) => {
      if (argv.pred === undefined && (argv.model === undefined || argv.data === undefined)) {
        throw new UsageError('give --model DIR with --data FILE, or --pred FILE');
      }
      if (argv.output !== undefined && argv.pred !== undefined) throw new UsageError('--output goes with --model and --data, not --pred');
      const dataOnly = Object.keys(dataOptions('')).find((flag) => argv[flag] !== undefined);
      if (dataOnly !== undefined && argv.pred !== undefined) throw new UsageError(`--${dataOnly} says how to read --data; --pred is read in conlleval's layout`);
      if (argv.scheme !== 'auto' && argv.pred === undefined) throw new UsageError("--scheme goes with --pred; with --model, --data is read in the model's own scheme");
      if (argv.errors !== undefined && !(Number.isInteger(argv.errors) && argv.errors >= 0)) throw new UsageError(`--errors must be a non-negative integer, got ${argv.errors}`);
      return true;
    })
    .example('$0 eval --model models/en --data test.conll', 'tag the test set and score it')
    .example('$0 eval --pred predictions.txt --json', 'score an existing prediction file')
    .example('$0 eval --model models/en --data test.conll --report --errors 20', 'per-type table, confusion matrix and 20 errors');
}

type EvalArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

/** What is scored: sentences with gold and predicted tags, in a scheme. */
interface Scored {
  sentences: ScoredSentence[];
  scheme: TagScheme;
  /** How the scheme was detected, when it was (--pred with --scheme auto). */
  detection?: SchemeDetection;
  counts: ConllevalCounts;
  /** The file the gold tags came from, for error messages. */
  file: string;
}

/** A warning when the tags of a column as written and --suffix disagree (reading goes on as asked); whether it was given. */
function warnStyle(style: TagStyle, column: string, suffix: boolean, file: string, messages: Messages): boolean {
  if (style.style === 'suffix' && !suffix) {
    const { example } = style;
    messages.warn(`${file}: the ${column} tags look suffix-style, with the prefix last (${example}); read as they are, ${example} has prefix ${example.split('-')[0]}: give --suffix to read it as ${fromSuffixStyle(example)}`);
    return true;
  }
  if (style.style === 'prefix' && suffix) {
    messages.warn(`${file}: --suffix given, but the ${column} tags do not look suffix-style (${style.example} does not end in -B, -I, -E, -S, -L or -U)`);
    return true;
  }
  return false;
}

/** A warning when gold chunks break the scheme the user named (they are scored all the same, as conlleval or seqeval would). */
function warnSchemeBreaks(sentences: readonly ScoredSentence[], scheme: TagScheme, file: string, messages: Messages): void {
  const { broken, lines } = schemeBreaks(sentences.map((s) => ({ tags: s.gold, lines: s.lines })), scheme);
  if (broken === 0) return;
  const at = lines.length > 0 ? `, at ${lines.map((l) => `${file}:${l}`).join(', ')}${broken > lines.length ? ` and ${(broken - lines.length).toLocaleString('en-US')} more` : ''}` : '';
  messages.warn(`${broken.toLocaleString('en-US')} gold chunk${broken === 1 ? '' : 's'} break${broken === 1 ? 's' : ''} the ${scheme} scheme given by --scheme${at} (--scheme auto picks the scheme they break least)`);
}

async function scoreModel(args: EvalArgs, messages: Messages): Promise<Scored> {
  const inputs = [{ option: '--data', file: args.data! }, ...modelInputs(args.model!)];
  const output = args.output === undefined ? undefined : checkOutput(args.output, inputs);
  await startBackend(args, messages);
  // The model first: it says which feature columns the data must have.
  const model = await loadModel(args.model!);
  let read: Corpus;
  try {
    const featureColumns = model.features?.columnNames;
    const reading = { ...corpusReading(args), featureColumns: featureColumns?.length ? featureColumns : undefined };
    [{ corpus: read }] = readDataFiles([{ file: args.data!, maxSentenceTokens: MAX_TAGGED_TOKENS }], reading, messages);
  } catch (err) {
    model.dispose();
    // The columns came from the model, not from a flag of this command.
    if (err instanceof UsageError && err.message.startsWith('--feature-columns ')) {
      throw new UsageError(`${lacksColumns(model.features!.columnNames, `${args.data} cannot give`)}: ${err.message.slice('--feature-columns '.length)}`);
    }
    throw err;
  }
  warnStyle(tagStyle(read.sentences.map((s) => s.tags)), 'gold', args.suffix, args.data!, messages);
  const corpus = args.suffix ? { ...read, sentences: read.sentences.map((s) => ({ ...s, tags: s.tags.map(fromSuffixStyle) })) } : read;
  try {
    const { counts, predictions } = await evaluateModelAsync(model, corpus);
    if (output !== undefined) {
      const rows = corpus.sentences.map((s, i) => s.tokens.map((t, j) => [t, s.tags[j], predictions[i][j]]));
      await writeOutput(output, (out) => out.write(formatConllColumns(rows)));
    }
    const sentences = corpus.sentences.map((s, i) => ({
      tokens: s.tokens,
      gold: s.tags,
      pred: predictions[i],
      lines: s.lines,
      written: args.suffix ? { gold: read.sentences[i].tags, pred: predictions[i] } : undefined,
    }));
    return { sentences, scheme: model.scheme, counts, file: args.data! };
  } finally {
    model.dispose();
  }
}

function scorePredictionFile(args: EvalArgs, messages: Messages): Scored {
  const text = readTextInput(args.pred!);
  const file = args.pred === '-' ? '<stdin>' : args.pred!;
  const scored = scoreConllevalFile(text, file, { scheme: args.scheme === 'auto' ? undefined : (args.scheme as TagScheme), suffix: args.suffix });
  // Once is enough: the predicted column is looked at when the gold one is as --suffix says.
  if (!warnStyle(scored.style.gold, 'gold', args.suffix, file, messages)) warnStyle(scored.style.pred, 'predicted', args.suffix, file, messages);
  // The scheme the gold column supports as a whole, and why.
  if (scored.detection !== undefined) messages.info(`scheme: ${describeDetection(scored.detection, file)}`);
  else warnSchemeBreaks(scored.sentences, scored.scheme, file, messages);
  return { ...scored, file };
}

export async function handler(args: EvalArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const { sentences, scheme, detection, counts, file } = args.pred !== undefined ? scorePredictionFile(args, messages) : await scoreModel(args, messages);
  const strict = args.strict;
  if (strict) {
    try {
      checkStrictTags(sentences, scheme, file);
    } catch (e) {
      // A detected scheme may be the wrong one of two that read the gold tags alike (IOB1 and IOE1).
      if (!(e instanceof DataError) || detection === undefined) throw e;
      throw new DataError(e.file, e.line, `${e.reason}; ${scheme} is the scheme detected from the gold column: name the file's scheme with --scheme if it is another`);
    }
  }
  // --strict replaces conlleval's numbers by seqeval-style strict ones.
  const spans = args.report || strict ? spanReport(sentences, scheme, strict) : undefined;
  const confusion = args.report ? confusionMatrix(sentences) : undefined;
  const errors = args.errors !== undefined ? spanErrors(sentences, scheme, args.errors, strict) : undefined;
  if (args.json) {
    const json: Record<string, unknown> = { ...conllevalJson(counts), scheme };
    if (detection !== undefined) json.detection = detection;
    if (spans !== undefined) json.report = spans;
    if (confusion !== undefined) json.confusion = confusion;
    if (errors !== undefined) json.errors = errors;
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const parts = [strict ? formatSpanReport(spans!) : formatConllevalReport(counts)];
  if (args.report && !strict) parts.push(formatSpanReport(spans!));
  if (confusion !== undefined) parts.push(formatConfusion(confusion));
  if (errors !== undefined) parts.push(errors.length === 0 ? 'no mismatched spans\n' : formatErrors(errors));
  process.stdout.write(parts.join('\n'));
}
