/**
 * `ner report DIR`: (re)writes DIR/report.html, the training report (see report/report.ts).
 */
import * as path from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { REPORT_HTML, readModelFiles } from '../io/modelDir';
import { validateMetadata } from '../model/metadata';
import { NerModel } from '../model/nerModel';
import { renderReport } from '../report/report';
import { Messages, backendOptions, quietOption, startBackend, writeAtomically } from './common';

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
  // The metadata as saved (its date and training summary), the weights from the model.
  const metadata = validateMetadata(readModelFiles(dir).metadata, dir);
  await startBackend(args, messages);
  const model = await NerModel.load(dir);
  const output = args.output ?? path.join(dir, REPORT_HTML);
  try {
    await writeAtomically(output, (out) => out.write(renderReport(metadata, model.crf.weightsForDecoding())));
  } finally {
    model.dispose();
  }
  messages.info(`wrote ${output}`);
}
