/**
 * `ner report DIR`: (re)writes DIR/report.html, the training report (see report/report.ts).
 */
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { REPORT_HTML, readModelFiles } from '../io/modelDir';
import { validateMetadata } from '../model/metadata';
import { renderReport } from '../report/report';
import { checkOutput, writeOutput } from '../io/output';
import { Messages, modelInputs, quietOption } from './common';
import { loadModel } from '../io/modelStore';
import { initBackend } from '../backend';
import { UsageError } from '../errors';

export const command = 'report [model]';
export const describe = 'write the training report (report.html: curves, per-type F1, transition heat map, run settings) of a model directory';

export function builder(yargs: Argv) {
  return yargs
    .positional('model', { type: 'string', describe: 'model directory written by ner train (or --model)' })
    .options({
      model: { type: 'string', describe: 'model directory written by ner train [required]' },
      output: { type: 'string', describe: 'where to write the report [default: MODEL/report.html]' },
      ...quietOption,
    })
    .check((argv) => {
      if (argv.model === undefined) throw new UsageError('Missing required argument: model (ner report DIR, or --model DIR)');
      return true;
    })
    .example('$0 report --model models/en', 'rewrite models/en/report.html');
}

type ReportArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

export async function handler(args: ReportArgs): Promise<void> {
  const messages = new Messages(args.quiet);
  const dir = args.model as string;
  const output = args.output ?? path.join(dir, REPORT_HTML);
  // An --output is checked before anything is read; the default one lies in
  // the model directory, whose own checks come first (a missing model is not a missing output directory).
  const given = args.output === undefined ? undefined : checkOutput(output, modelInputs(dir));
  // The metadata as saved (its date and training summary), the weights from the model.
  const metadata = validateMetadata(readModelFiles(dir).metadata, dir);
  const destination = given ?? checkOutput(output, modelInputs(dir));
  // Only the CRF's weights are read: the always-present cpu backend does, with nothing to say about it.
  await initBackend({ backend: 'cpu', threads: 1 });
  const model = await loadModel(dir);
  try {
    const weights = await model.crf.weightsForDecodingAsync();
    await writeOutput(destination, (out) => out.write(renderReport(metadata, weights)));
  } finally {
    model.dispose();
  }
  messages.info(`wrote ${output}`);
}
