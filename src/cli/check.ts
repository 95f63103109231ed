/**
 * `ner check`: what a corpus holds and what is wrong with it, before training.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { NerError } from '../errors';
import type { TagScheme } from '../types';
import { CorpusReport, Duplicates, checkCorpus, duplicateSentences, issues } from '../data/check';
import { TAG_SCHEMES, describeDetection } from '../data/tagScheme';
import { readConllFile } from '../io/conll';
import { TEXT_ENCODINGS, type TextEncoding } from '../io/lines';
import { quietOption } from './common';

export const command = 'check';
export const describe = 'report sentences, tokens, tags, entities and problems of a CoNLL corpus';

export function builder(yargs: Argv) {
  return yargs
    .options({
      data: { type: 'string', demandOption: true, describe: 'CoNLL file to check (training data)' },
      dev: { type: 'string', describe: 'development data: checked too, and for sentences shared with --data' },
      'token-column': { type: 'number', default: 0, describe: 'column of the token (0-based; negative counts from the end)' },
      'tag-column': { type: 'number', default: -1, describe: 'column of the tag (0-based; -1 = last)' },
      'comment-prefix': { type: 'string', describe: "skip lines starting with this (e.g. '#') in --data and --dev: not tokens, not sentence ends" },
      encoding: { choices: TEXT_ENCODINGS, default: 'utf8' as TextEncoding, describe: 'encoding of --data and --dev (latin1: ISO-8859-1)' },
      scheme: { choices: ['auto', ...TAG_SCHEMES], default: 'auto', describe: 'tag scheme to check against; auto detects it from --data' },
      strict: { type: 'boolean', default: false, describe: 'exit with status 1 when any problem is found' },
      json: { type: 'boolean', default: false, describe: 'print the report as JSON' },
      ...quietOption,
    })
    .example('$0 check --data train.conll --dev dev.conll --strict', 'fail a CI job on scheme violations or train/dev overlap');
}

type CheckArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

function formatReport(r: CorpusReport): string {
  let out = `${r.file}: ${r.sentences} sentences, ${r.tokens} tokens, scheme ${r.scheme}\n`;
  if (r.detection !== undefined) out += `  scheme: ${describeDetection(r.detection, r.file)}\n`;
  out += `  tags: ${counts(r.tags)}\n`;
  out += `  entities: ${counts(r.entities)}\n`;
  out += `  longest sentence: ${r.longest.tokens} tokens (line ${r.longest.line})\n`;
  out += `  scheme violations: ${r.violationCount}\n`;
  for (const v of r.violations) out += `    ${v.file}:${v.line}: ${v.message}\n`;
  if (r.violationCount > r.violations.length) out += `    ... and ${r.violationCount - r.violations.length} more\n`;
  return out;
}

export async function handler(args: CheckArgs): Promise<void> {
  const columns = { tokenColumn: args.tokenColumn, tagColumn: args.tagColumn, commentPrefix: args.commentPrefix, encoding: args.encoding };
  const scheme = args.scheme === 'auto' ? undefined : (args.scheme as TagScheme);
  const trainCorpus = readConllFile(args.data, columns);
  const train = checkCorpus(trainCorpus, scheme);
  // The dev data is read in the training data's scheme, as training would.
  const devCorpus = args.dev === undefined ? undefined : readConllFile(args.dev, columns);
  const dev = devCorpus === undefined ? undefined : checkCorpus(devCorpus, train.scheme);
  const duplicates: Duplicates | undefined = devCorpus === undefined ? undefined : duplicateSentences(trainCorpus, devCorpus);
  const found = [...issues(train, duplicates, args.dev), ...(dev === undefined ? [] : issues(dev))];
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ train, dev, duplicates, issues: found }, null, 2)}\n`);
  } else if (!args.quiet) {
    let out = formatReport(train);
    if (dev !== undefined) out += formatReport(dev);
    if (duplicates !== undefined) {
      out += `${args.dev}: ${duplicates.count} sentence${duplicates.count === 1 ? '' : 's'} also in ${args.data}\n`;
      for (const e of duplicates.examples) out += `    ${args.dev}:${e.devLine} = ${args.data}:${e.trainLine}: ${e.text}\n`;
    }
    out += found.length === 0 ? 'no problems found\n' : `${found.length} problem${found.length === 1 ? '' : 's'}:\n${found.map((f) => `  ${f}\n`).join('')}`;
    process.stdout.write(out);
  }
  if (args.strict && found.length > 0) throw new NerError(`${found.length} problem${found.length === 1 ? '' : 's'} found (--strict)`, 1);
}
