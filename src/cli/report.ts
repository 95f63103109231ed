/**
 * `ner report DIR`: (re)writes DIR/report.html, the training report (see report/report.ts).
 */
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { REPORT_HTML, readModelFiles } from '../io/modelDir';
import { validateMetadata } from '../model/metadata';
import { renderReport } from '../report/report';
import { checkOutput, writeOutput } from '../io/output';
import { Messages, backendOptions, modelInputs, quietOption, startBackend } from './common';
import { loadModel } from '../io/modelStore';

export const command = 'report <model>';
export const describe = 'write the training report (report.html: curves, per-type F1, transition heat map, run settings) of a model directory';

export function builder(yargs: Argv) {
  return yargs
    .positional('model', { type: 'string', demandOption: true, describe: 'model directory written by ner train' })
    .options({
      output: { type: 'string', describe: 'where to write the report [default: MODEL/report.html]' },
      ...backendOptions,
      ...quietOption,
    });
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
  await startBackend(args, messages);
  const model = await loadModel(dir);
  try {
    await writeOutput(destination, (out) => out.write(renderReport(metadata, model.crf.weightsForDecoding())));
  } finally {
    model.dispose();
  }
  messages.info(`wrote ${output}`);
}
