/**
 * `ner check`: what a corpus holds and what is wrong with it, before training.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { NerError } from '../errors';
import type { TagScheme } from '../types';
import { CorpusReport, Duplicates, GazetteerCoverage, checkCorpus, duplicateSentences, gazetteerCoverage, issues } from '../data/check';
import type { Gazetteer } from '../data/gazetteer';
import { readGazetteerFiles } from '../io/gazetteerFile';
import { TAG_SCHEMES, describeDetection } from '../data/tagScheme';
import { commandGroup, Messages, quietOption } from './common';
import { corpusReading, dataOptions, readDataFiles } from './dataOptions';

export const command = 'check';
export const describe = 'report sentences, tokens, tags, entities and problems of a corpus (CoNLL, CSV, JSONL, Label Studio, BRAT)';

export function builder(yargs: Argv) {
  return yargs
    .options(
      commandGroup('Check:', {
        data: { type: 'string', demandOption: true, describe: 'training data to check: CoNLL, CSV, JSONL, Label Studio or a BRAT directory (--data-format)' },
        dev: { type: 'string', describe: 'development data: checked too, and for sentences shared with --data' },
        ...dataOptions('--data and --dev'),
        scheme: { choices: ['auto', ...TAG_SCHEMES], default: 'auto', describe: 'tag scheme to check against; auto detects it from --data' },
        strict: { type: 'boolean', default: false, describe: 'exit with status 1 when any problem is found' },
        json: { type: 'boolean', default: false, describe: 'print the report as JSON' },
        gazetteer: {
          type: 'array',
          string: true,
          describe: 'gazetteer files (name<TAB>TYPE lines) to report on: how many entities of --data and --dev they list with the right type, another type or not at all, and names listed under several types',
        },
        'gazetteer-case': { type: 'boolean', default: false, describe: 'match gazetteer names exactly as written, as ner train --gazetteer-case does' },
        ...quietOption,
      }),
    )
    .example('$0 check --data train.conll --dev dev.conll --strict', 'fail a CI job on scheme violations or train/dev overlap')
    .example('$0 check --data train.conll --dev dev.conll --gazetteer names.tsv', "how well a gazetteer covers the data's entities");
}

type CheckArgs = ArgumentsCamelCase<Awaited<ReturnType<ReturnType<typeof builder>['parseAsync']>>>;

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** A corpus report with how the file was read: its format, and what reading spans into tags adjusted (every one). */
type FileReport = CorpusReport & { format: string; adjustments: string[] };

function formatReport(r: FileReport): string {
  let out = `${r.file}: ${r.sentences} sentence${r.sentences === 1 ? '' : 's'}, ${r.tokens} token${r.tokens === 1 ? '' : 's'}, scheme ${r.scheme}\n`;
  out += `  format: ${r.format}\n`;
  if (r.detection !== undefined) out += `  scheme: ${describeDetection(r.detection, r.file)}\n`;
  out += `  tags: ${counts(r.tags)}\n`;
  out += `  entities: ${counts(r.entities)}\n`;
  out += `  longest sentence: ${r.longest.tokens} token${r.longest.tokens === 1 ? '' : 's'} (${r.longest.file}:${r.longest.line})\n`;
  out += `  scheme violations: ${r.violationCount}\n`;
  for (const v of r.violations) out += `    ${v.file}:${v.line}: ${v.message}\n`;
  if (r.violationCount > r.violations.length) out += `    ... and ${r.violationCount - r.violations.length} more\n`;
  if (r.adjustments.length > 0) out += `  adjusted while reading spans into tags: ${r.adjustments.length}\n${r.adjustments.map((a) => `    ${a}\n`).join('')}`;
  return out;
}

/** What `ner check --gazetteer` reports: its size, its conflicts, and its coverage of each file. */
interface GazetteerReport {
  files: string[];
  caseSensitive: boolean;
  names: Record<string, number>;
  /** Names listed under more than one type: how many, and the first few. */
  conflicts: { count: number; examples: Array<{ name: string; types: string[] }> };
  coverage: GazetteerCoverage[];
}

function gazetteerReport(gazetteer: Gazetteer, files: string[], coverage: GazetteerCoverage[]): GazetteerReport {
  const conflicts = gazetteer.conflicts();
  return { files, caseSensitive: gazetteer.caseSensitive, names: gazetteer.sizes(), conflicts: { count: conflicts.length, examples: conflicts.slice(0, 10) }, coverage };
}

const percent = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

function formatGazetteerReport(g: GazetteerReport): string {
  const examples = g.conflicts.examples.map((c) => `${c.name}: ${c.types.join('/')}`).join('; ');
  let out = `gazetteer ${g.files.join(', ')}: ${counts(g.names)} names (${g.caseSensitive ? 'matched as written' : 'matched ignoring case'})\n`;
  out += `  names under several types: ${g.conflicts.count}${examples === '' ? '' : ` (${examples}${g.conflicts.count > g.conflicts.examples.length ? '; ...' : ''})`}\n`;
  for (const c of g.coverage) {
    out += `  ${c.file}: entities listed with the right type / another type only / not listed\n`;
    const types = Object.entries(c.byType).sort(([a], [b]) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b)));
    const width = Math.max(...types.map(([type]) => type.length));
    for (const [type, n] of types) {
      out += `    ${type.padEnd(width)} ${String(n.entities).padStart(6)}: ${percent(n.rightType, n.entities)} / ${percent(n.otherType, n.entities)} / ${percent(n.absent, n.entities)}\n`;
    }
  }
  return out;
}

export async function handler(args: CheckArgs): Promise<void> {
  const messages = new Messages(args.quiet || args.json);
  const reading = corpusReading(args);
  const scheme = args.scheme === 'auto' ? undefined : (args.scheme as TagScheme);
  const [trainRead, devRead] = readDataFiles([{ file: args.data }, ...(args.dev === undefined ? [] : [{ file: args.dev }])], reading, messages, true);
  const trainCorpus = trainRead.corpus;
  const train: FileReport = { ...checkCorpus(trainCorpus, scheme), format: trainRead.format, adjustments: trainRead.notes };
  // The dev data is read in the training data's scheme, as training would.
  const devCorpus = devRead?.corpus;
  const dev: FileReport | undefined = devRead === undefined ? undefined : { ...checkCorpus(devRead.corpus, train.scheme), format: devRead.format, adjustments: devRead.notes };
  const duplicates: Duplicates | undefined = devCorpus === undefined ? undefined : duplicateSentences(trainCorpus, devCorpus);
  const found = [...issues(train, duplicates, args.dev), ...(dev === undefined ? [] : issues(dev))];
  const gazetteerFiles = (args.gazetteer ?? []).map(String);
  let gazetteer: GazetteerReport | undefined;
  if (gazetteerFiles.length > 0) {
    const g = readGazetteerFiles(gazetteerFiles, args.gazetteerCase);
    const coverage = [gazetteerCoverage(g, trainCorpus, train.scheme), ...(devCorpus === undefined ? [] : [gazetteerCoverage(g, devCorpus, train.scheme)])];
    gazetteer = gazetteerReport(g, gazetteerFiles, coverage);
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ train, dev, duplicates, gazetteer, issues: found }, null, 2)}\n`);
  } else if (!args.quiet) {
    let out = formatReport(train);
    if (dev !== undefined) out += formatReport(dev);
    if (duplicates !== undefined) {
      out += `${args.dev}: ${duplicates.count} sentence${duplicates.count === 1 ? '' : 's'} also in ${args.data}\n`;
      for (const e of duplicates.examples) out += `    ${args.dev}:${e.devLine} = ${args.data}:${e.trainLine}: ${e.text}\n`;
    }
    if (gazetteer !== undefined) out += formatGazetteerReport(gazetteer);
    out += found.length === 0 ? 'no problems found\n' : `${found.length} problem${found.length === 1 ? '' : 's'}:\n${found.map((f) => `  ${f}\n`).join('')}`;
    process.stdout.write(out);
  }
  if (args.strict && found.length > 0) throw new NerError(`${found.length} problem${found.length === 1 ? '' : 's'} found (--strict)`, 1);
}
