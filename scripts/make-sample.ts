/**
 * Generates the sample corpus in data/sample/ from templates and name lists
 * kept in this repository (scripts/sample/), so the quick start needs no
 * external data. Fully deterministic: the same bytes on every run.
 *
 *   node dist/scripts/make-sample.js [--out DIR]
 *
 * Writes train.conll, dev.conll, test.conll (two columns, `token TAG`, IOB2,
 * PER/ORG/LOC/MISC, `-DOCSTART- O` before each document, blank line after
 * each sentence) and sentences.txt (raw sentences for the `ner predict` demo).
 *
 * Sentences are built as raw text and cut with src/io/tokenize.ts, so the
 * training data follows exactly the conventions `ner predict` applies to
 * user text. Entity tags come from the character spans of the filled slots.
 *
 * Generalisation: a share of each name list is held out of train and used only
 * in dev/test, so that part of the test entities are unseen words that a
 * word-level model must recognise from context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeRng, randInt, shuffleInPlace, Rng } from '../src/util/random';
import { tokenize } from '../src/io/tokenize';
import * as names from './sample/names';
import { TEMPLATES, Topic } from './sample/templates';

// ---- Sizes and knobs ---------------------------------------------------------------------------

export const SEED = 2003;
export const TRAIN_SENTENCES = 1500;
export const DEV_SENTENCES = 300;
export const TEST_SENTENCES = 300;
/** Raw lines in sentences.txt. */
export const DEMO_SENTENCES = 20;
/** Sentences per document, inclusive. */
export const DOC_MIN = 10;
export const DOC_MAX = 20;
/** Share of each name list never used in train (names shared between lists are never held out). */
export const HOLDOUT_SHARE = 0.15;
/** In dev and test, the chance that an entity slot is filled from the held-out names. */
export const HELD_OUT_SLOT_PROB = 0.1;
/** Chance that a sentence takes its template from its document's topic rather than any topic. */
export const TOPIC_STICKINESS = 0.8;
/** Chance that a sentence starting with a non-entity word starts in lower case ("the ..." vs "The ..."). */
export const LOWERCASE_START_PROB = 0.05;
/** Chance that a full name gets a middle initial ("John F. Kennedy"), for Western-order names. */
export const MIDDLE_INITIAL_PROB = 0.04;

export const FILES = ['train.conll', 'dev.conll', 'test.conll', 'sentences.txt'] as const;

// ---- Names -------------------------------------------------------------------------------------

type EntityType = 'PER' | 'ORG' | 'LOC' | 'MISC';
type Split = 'train' | 'dev' | 'test' | 'demo';

interface Entry {
  /** Text inside the entity. */
  text: string;
  /** Article before it, outside the entity ("the " or ""). */
  article: string;
  held: boolean;
  /** People only. */
  person?: { surname: string; gender: 'm' | 'f'; western: boolean };
}

interface Pool {
  type: EntityType;
  entries: Entry[];
  kept: Entry[];
  held: Entry[];
}

/** Entity slots and the list each draws from. `per`, `sur` and `hon` all draw people. */
const POOL_LISTS: Record<string, [EntityType, string[]]> = {
  company: ['ORG', names.COMPANIES],
  club: ['ORG', names.CLUBS],
  agency: ['ORG', names.AGENCIES],
  ministry: ['ORG', names.MINISTRIES],
  univ: ['ORG', names.UNIVERSITIES],
  party: ['ORG', names.PARTIES],
  paper: ['ORG', names.PAPERS],
  bank: ['ORG', names.BANKS],
  court: ['ORG', names.COURTS],
  city: ['LOC', names.CITIES],
  country: ['LOC', names.COUNTRIES],
  region: ['LOC', names.REGIONS],
  river: ['LOC', names.RIVERS],
  nat: ['MISC', names.NATIONALITIES],
  lang: ['MISC', names.LANGUAGES],
  event: ['MISC', names.EVENTS],
  cup: ['MISC', names.TOURNAMENTS],
  tennis_event: ['MISC', names.TENNIS_EVENTS],
  league: ['MISC', names.LEAGUES],
  race: ['MISC', names.RACES],
  festival: ['MISC', names.FESTIVALS],
  product: ['MISC', names.PRODUCTS],
  work: ['MISC', names.WORKS],
};
const PERSON_SLOTS = new Set(['per', 'sur', 'hon']);

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function makeEntry(raw: string): Entry {
  const article = raw.startsWith('the ') ? 'the ' : '';
  return { text: raw.slice(article.length), article, held: false };
}

/** The cast: first and last names paired within each culture, plus the deliberately ambiguous people. */
function makePeople(rng: Rng): Entry[] {
  const people: Entry[] = [];
  for (const culture of names.CULTURES) {
    const firsts: Array<[string, 'm' | 'f']> = shuffleInPlace(
      [...culture.male.map((n): [string, 'm'] => [n, 'm']), ...culture.female.map((n): [string, 'f'] => [n, 'f'])],
      rng,
    );
    const lasts = shuffleInPlace([...culture.last], rng);
    lasts.forEach((last, i) => {
      const [first, gender] = firsts[i % firsts.length];
      const western = !culture.familyFirst;
      people.push({
        text: western ? `${first} ${last}` : `${last} ${first}`,
        article: '',
        held: false,
        person: { surname: capitalise(last), gender, western },
      });
    });
  }
  for (const [first, last, gender] of names.AMBIGUOUS_PEOPLE) {
    people.push({ text: `${first} ${last}`, article: '', held: false, person: { surname: last, gender, western: true } });
  }
  return people;
}

/** Builds the pools and marks the held-out names. */
function makePools(rng: Rng): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  pools.set('person', { type: 'PER', entries: makePeople(rng), kept: [], held: [] });
  for (const [slot, [type, list]] of Object.entries(POOL_LISTS)) {
    pools.set(slot, { type, entries: list.map(makeEntry), kept: [], held: [] });
  }

  // A surface string found in two lists (Jordan, Washington, Barcelona, French...) stays in train,
  // so that the model sees it in each of its roles.
  const listsOf = new Map<string, Set<string>>();
  const note = (surface: string, list: string) => {
    const set = listsOf.get(surface) ?? new Set<string>();
    set.add(list);
    listsOf.set(surface, set);
  };
  const surfaces = (e: Entry): string[] =>
    e.person ? [e.text, e.person.surname, ...e.text.split(' ').filter((w) => w !== e.person!.surname)] : [e.text];
  for (const [name, pool] of pools) for (const e of pool.entries) for (const s of surfaces(e)) note(s, name);

  for (const pool of pools.values()) {
    const candidates = pool.entries.filter((e) => surfaces(e).every((s) => listsOf.get(s)!.size === 1));
    const n = Math.round(pool.entries.length * HOLDOUT_SHARE);
    for (const e of shuffleInPlace([...candidates], rng).slice(0, n)) e.held = true;
    pool.kept = pool.entries.filter((e) => !e.held);
    pool.held = pool.entries.filter((e) => e.held);
  }
  return pools;
}

// ---- Templates ---------------------------------------------------------------------------------

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'slot'; name: string; key?: string; bare: boolean }
  | { kind: 'alt'; options: Node[][] };

/** Parses the template syntax described in scripts/sample/templates.ts. */
export function parseTemplate(src: string): Node[] {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`template ${JSON.stringify(src)}, at ${i}: ${why}`);
  };
  const sequence = (inAlt: boolean): Node[] => {
    const out: Node[] = [];
    let text = '';
    const flush = () => {
      if (text) out.push({ kind: 'text', text });
      text = '';
    };
    while (i < src.length) {
      const c = src[i];
      if (c === '|' || c === ']') {
        if (!inAlt) fail(`unexpected ${c}`);
        break;
      }
      if (c === '{') {
        const close = src.indexOf('}', i);
        if (close < 0) fail('unclosed {');
        const m = /^([a-z_0-9]+)(?:#(\w+))?(:bare)?$/.exec(src.slice(i + 1, close));
        if (!m) fail(`bad slot ${src.slice(i, close + 1)}`);
        const [, name, key, bare] = m!;
        if (!PERSON_SLOTS.has(name) && !(name in POOL_LISTS) && !(name in FILLERS)) fail(`unknown slot ${name}`);
        if (name === 'hon' && key === undefined) fail('{hon} needs a key, as in {hon#1} {sur#1}');
        flush();
        out.push({ kind: 'slot', name, key, bare: bare !== undefined });
        i = close + 1;
      } else if (c === '[') {
        flush();
        i++;
        const options: Node[][] = [];
        for (;;) {
          options.push(sequence(true));
          if (src[i] === '|') i++;
          else if (src[i] === ']') {
            i++;
            break;
          } else fail('unclosed [');
        }
        out.push({ kind: 'alt', options });
      } else {
        text += c;
        i++;
      }
    }
    flush();
    return out;
  };
  const nodes = sequence(false);
  if (i !== src.length) fail('trailing text');
  return nodes;
}

// ---- Fillers: the non-entity parts that vary ----------------------------------------------------

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pickOf<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)];
}

/** 12300 -> "12,300". */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

function ordinalSuffix(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** Centiseconds to "9.87 seconds" or "3:31.20". */
function raceTime(cs: number): string {
  const s = Math.floor(cs / 100);
  const frac = String(cs % 100).padStart(2, '0');
  return s < 60 ? `${s}.${frac} seconds` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}.${frac}`;
}

function amount(rng: Rng): string {
  return rng() < 0.4 ? `${1 + randInt(rng, 9)}.${1 + randInt(rng, 9)}` : String(1 + randInt(rng, 900));
}

const FILLERS: Record<string, (rng: Rng) => string> = {
  day: (rng) => pickOf(rng, DAYS),
  month: (rng) => pickOf(rng, MONTHS),
  date: (rng) => `${pickOf(rng, MONTHS)} ${1 + randInt(rng, 28)}`,
  year: (rng) => String(1988 + randInt(rng, 37)),
  num: (rng) => String(2 + randInt(rng, 29)),
  big: (rng) => (rng() < 0.2 ? String((2 + randInt(rng, 9)) * 50) : thousands((10 + randInt(rng, 590)) * 100)),
  pct: (rng) => {
    const r = rng();
    if (r < 0.6) return `${randInt(rng, 15)}.${1 + randInt(rng, 9)}%`;
    if (r < 0.85) return `${1 + randInt(rng, 40)}%`;
    return `${1 + randInt(rng, 30)} percent`;
  },
  money: (rng) => {
    const unit = rng() < 0.75 ? 'million' : 'billion';
    const a = amount(rng);
    return pickOf(rng, [`$${a} ${unit}`, `£${a} ${unit}`, `€${a} ${unit}`, `${a} ${unit} euros`, `${a} ${unit} dollars`, `${a} billion yen`]);
  },
  score: (rng) => {
    const a = 1 + randInt(rng, 5);
    return `${a}-${randInt(rng, a)}`;
  },
  draw: (rng) => {
    const a = randInt(rng, 4);
    return `${a}-${a}`;
  },
  tennis: (rng) => {
    const won = () => pickOf(rng, ['6-0', '6-1', '6-2', '6-3', '6-4', '7-5', '7-6']);
    const sets = [won(), won()];
    if (rng() < 0.4) sets.splice(randInt(rng, 2), 0, pickOf(rng, ['3-6', '4-6', '5-7', '6-7']));
    return sets.join(' ');
  },
  minute: (rng) => ordinalSuffix(1 + randInt(rng, 90)),
  ord: (rng) => pickOf(rng, ['second', 'third', 'fourth', 'fifth', 'sixth']),
  small: (rng) => `${randInt(rng, 5)}.${1 + randInt(rng, 9)}`,
  n: (rng) => pickOf(rng, ['two', 'three', 'four', 'five']),
  quarter: (rng) => pickOf(rng, ['first', 'second', 'third', 'fourth']),
  bp: (rng) => pickOf(rng, ['25', '50', '75', '100']),
  age: (rng) => String(55 + randInt(rng, 40)),
  mag: (rng) => `${4 + randInt(rng, 4)}.${randInt(rng, 10)}`,
  race100: (rng) => {
    const [dist, base, spread] = pickOf<[string, number, number]>(rng, [
      ['100', 975, 60],
      ['200', 1960, 100],
      ['400', 4350, 200],
      ['800', 10300, 400],
      ['1,500', 20900, 800],
    ]);
    return `${dist} metres in ${raceTime(base + randInt(rng, spread))}`;
  },
};

// ---- Sentences ---------------------------------------------------------------------------------

interface Span {
  start: number;
  end: number;
  type: EntityType;
}

/** A generated sentence: raw text, and its tokens with IOB2 tags. */
export interface SampleSentence {
  raw: string;
  tokens: string[];
  tags: string[];
}

const TOPICS = Object.keys(TEMPLATES) as Topic[];
const PARSED: Record<Topic, Node[][]> = Object.fromEntries(
  TOPICS.map((t) => [t, TEMPLATES[t].map(parseTemplate)]),
) as Record<Topic, Node[][]>;

class Generator {
  constructor(
    private readonly rng: Rng,
    private readonly pools: Map<string, Pool>,
  ) {}

  /** A raw sentence from one template with its entity spans. */
  sentence(template: Node[], split: Split): { raw: string; spans: Span[] } {
    let text = '';
    const spans: Span[] = [];
    const bound = new Map<string, Entry>();
    const used = new Set<Entry>();

    const literal = (s: string) => {
      // An entity ending in a period ("the U.S.", "Sony Corp.") absorbs the sentence's final period.
      text += s.startsWith('.') && text.endsWith('.') ? s.slice(1) : s;
    };
    const entity = (article: string, inner: string, type: EntityType) => {
      text += article;
      spans.push({ start: text.length, end: text.length + inner.length, type });
      text += inner;
    };
    const draw = (poolName: string, key: string | undefined): Entry => {
      const boundKey = key === undefined ? undefined : `${poolName}#${key}`;
      const already = boundKey === undefined ? undefined : bound.get(boundKey);
      if (already) return already;
      const pool = this.pools.get(poolName)!;
      let entry = this.pick(pool, split);
      for (let tries = 0; used.has(entry) && tries < 20; tries++) entry = this.pick(pool, split);
      used.add(entry);
      if (boundKey !== undefined) bound.set(boundKey, entry);
      return entry;
    };

    const walk = (nodes: Node[]) => {
      for (const node of nodes) {
        if (node.kind === 'text') literal(node.text);
        else if (node.kind === 'alt') walk(pickOf(this.rng, node.options));
        else if (node.name in FILLERS) literal(FILLERS[node.name](this.rng));
        else if (PERSON_SLOTS.has(node.name)) {
          const p = draw('person', node.key);
          const info = p.person!;
          if (node.name === 'hon') {
            const r = this.rng();
            literal(r < 0.15 ? 'Dr.' : r < 0.2 ? 'Prof.' : info.gender === 'm' ? 'Mr.' : r < 0.6 ? 'Mrs.' : 'Ms.');
          } else if (node.name === 'sur') {
            entity('', info.surname, 'PER');
          } else if (info.western && this.rng() < MIDDLE_INITIAL_PROB) {
            const space = p.text.indexOf(' ');
            const initial = String.fromCharCode(65 + randInt(this.rng, 26));
            entity('', `${p.text.slice(0, space)} ${initial}. ${p.text.slice(space + 1)}`, 'PER');
          } else {
            entity('', p.text, 'PER');
          }
        } else {
          const e = draw(node.name, node.key);
          entity(node.bare ? '' : e.article, e.text, this.pools.get(node.name)!.type);
        }
      }
    };
    walk(template);

    // Sentence case: the first letter, when it is not part of an entity ("iPhone"), is upper case,
    // now and then lower case so that capitalisation alone does not mark entities.
    if (/^\p{L}/u.test(text) && !(spans.length > 0 && spans[0].start === 0)) {
      // Not for abbreviations: "Mr." is a known token, "mr." would not be.
      const plainWord = /^\p{L}+(?![\p{L}.])/u.test(text);
      const lower = split !== 'demo' && plainWord && this.rng() < LOWERCASE_START_PROB;
      text = (lower ? text[0].toLowerCase() : text[0].toUpperCase()) + text.slice(1);
    }
    return { raw: text, spans };
  }

  private pick(pool: Pool, split: Split): Entry {
    const fromHeld = split !== 'train' && split !== 'demo' && pool.held.length > 0 && this.rng() < HELD_OUT_SLOT_PROB;
    return pickOf(this.rng, fromHeld ? pool.held : pool.kept);
  }

  topicTemplate(topic: Topic): Node[] {
    const t = this.rng() < TOPIC_STICKINESS ? topic : pickOf(this.rng, TOPICS);
    return pickOf(this.rng, PARSED[t]);
  }
}

/** Tokenizes a raw sentence and tags its tokens from the entity spans (IOB2). */
export function tagSentence(raw: string, spans: Span[]): SampleSentence {
  const tokens = tokenize(raw);
  const tags = tokens.map((t, i) => {
    const span = spans.find((s) => t.start < s.end && s.start < t.end);
    if (!span) return 'O';
    if (t.start < span.start || t.end > span.end) {
      throw new Error(`token ${JSON.stringify(t.text)} straddles an entity boundary in ${JSON.stringify(raw)}`);
    }
    const prev = tokens[i - 1];
    return `${prev !== undefined && prev.end > span.start ? 'I' : 'B'}-${span.type}`;
  });
  for (const s of spans) {
    if (!tokens.some((t) => t.start === s.start) || !tokens.some((t) => t.end === s.end)) {
      throw new Error(`entity ${JSON.stringify(raw.slice(s.start, s.end))} does not align with tokens in ${JSON.stringify(raw)}`);
    }
  }
  return { raw, tokens: tokens.map((t) => t.text), tags };
}

// ---- The corpus --------------------------------------------------------------------------------

export interface Sample {
  /** Documents of sentences, per split. */
  splits: Record<'train' | 'dev' | 'test', SampleSentence[][]>;
  demo: string[];
}

/** Generates the whole sample in memory. */
export function generateSample(): Sample {
  const pools = makePools(makeRng(SEED));
  const gen = new Generator(makeRng(SEED + 1), pools);
  const rng = makeRng(SEED + 2);
  // Sentences (as token sequences) are unique across the whole sample, so the splits are disjoint.
  const seen = new Set<string>();

  const fresh = (topic: Topic, split: Split, template?: Node[]): SampleSentence => {
    for (let tries = 0; tries < 1000; tries++) {
      const { raw, spans } = gen.sentence(template ?? gen.topicTemplate(topic), split);
      const s = tagSentence(raw, spans);
      const key = s.tokens.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      return s;
    }
    throw new Error('could not generate a new sentence; too few templates or names');
  };

  const makeSplit = (split: Split, count: number): SampleSentence[][] => {
    const docs: SampleSentence[][] = [];
    for (let left = count; left > 0; ) {
      const size = Math.min(left, DOC_MIN + randInt(rng, DOC_MAX - DOC_MIN + 1));
      const topic = pickOf(rng, TOPICS);
      const doc: SampleSentence[] = [];
      for (let i = 0; i < size; i++) doc.push(fresh(topic, split));
      docs.push(doc);
      left -= size;
    }
    return docs;
  };

  const splits = {
    train: makeSplit('train', TRAIN_SENTENCES),
    dev: makeSplit('dev', DEV_SENTENCES),
    test: makeSplit('test', TEST_SENTENCES),
  };
  // The demo shows DEMO_SENTENCES different templates, taking the topics in turn, with names seen in train.
  const demo: string[] = [];
  const queues = TOPICS.map((t) => shuffleInPlace([...PARSED[t]], rng));
  for (let i = 0; i < DEMO_SENTENCES; i++) {
    const t = i % TOPICS.length;
    demo.push(fresh(TOPICS[t], 'demo', queues[t][Math.floor(i / TOPICS.length)]).raw);
  }
  return { splits, demo };
}

/** CoNLL text of one split: `-DOCSTART- O`, a blank line, then each sentence followed by a blank line. */
export function toConll(docs: SampleSentence[][]): string {
  let out = '';
  for (const doc of docs) {
    out += '-DOCSTART- O\n\n';
    for (const s of doc) out += s.tokens.map((tok, i) => `${tok} ${s.tags[i]}\n`).join('') + '\n';
  }
  return out;
}

/** File name -> content, in FILES order. */
export function renderSample(sample: Sample): Map<string, string> {
  return new Map<string, string>([
    ['train.conll', toConll(sample.splits.train)],
    ['dev.conll', toConll(sample.splits.dev)],
    ['test.conll', toConll(sample.splits.test)],
    ['sentences.txt', sample.demo.join('\n') + '\n'],
  ]);
}

// ---- Statistics --------------------------------------------------------------------------------

/** The entities of a tagged sentence: type, tokens, and the tokens joined by spaces. */
export function entitiesOf(s: SampleSentence): Array<{ type: string; text: string; tokens: string[] }> {
  const out: Array<{ type: string; text: string; tokens: string[] }> = [];
  s.tags.forEach((tag, i) => {
    if (tag.startsWith('B-')) out.push({ type: tag.slice(2), text: s.tokens[i], tokens: [s.tokens[i]] });
    else if (tag.startsWith('I-')) {
      const last = out[out.length - 1];
      last.text += ` ${s.tokens[i]}`;
      last.tokens.push(s.tokens[i]);
    }
  });
  return out;
}

function describe(sample: Sample, files: Map<string, string>): string {
  const lines: string[] = [];
  const trainEntities = new Set<string>();
  const trainWords = new Set<string>();
  for (const s of sample.splits.train.flat()) {
    for (const e of entitiesOf(s)) trainEntities.add(e.text);
    for (const t of s.tokens) trainWords.add(t);
  }
  for (const split of ['train', 'dev', 'test'] as const) {
    const sentences = sample.splits[split].flat();
    const tokens = sentences.reduce((n, s) => n + s.tokens.length, 0);
    const byType: Record<string, number> = { PER: 0, ORG: 0, LOC: 0, MISC: 0 };
    let total = 0;
    let unseen = 0;
    let unseenWords = 0;
    for (const s of sentences) {
      for (const e of entitiesOf(s)) {
        byType[e.type]++;
        total++;
        if (!trainEntities.has(e.text)) unseen++;
        if (e.tokens.some((t) => !trainWords.has(t))) unseenWords++;
      }
    }
    const bytes = Buffer.byteLength(files.get(`${split}.conll`)!);
    let line =
      `${split.padEnd(5)} ${sample.splits[split].length} docs, ${sentences.length} sentences, ${tokens} tokens ` +
      `(${(tokens / sentences.length).toFixed(1)}/sentence), entities PER ${byType.PER} ORG ${byType.ORG} ` +
      `LOC ${byType.LOC} MISC ${byType.MISC}, ${bytes} bytes`;
    if (split !== 'train') {
      line += `; unseen in train: ${((100 * unseen) / total).toFixed(1)}% of entities, ` +
        `${((100 * unseenWords) / total).toFixed(1)}% with an unknown word`;
    }
    lines.push(line);
  }
  const total = [...files.values()].reduce((n, c) => n + Buffer.byteLength(c), 0);
  lines.push(`sentences.txt ${sample.demo.length} lines; ${total} bytes in all`);
  return lines.join('\n');
}

// ---- Command line ------------------------------------------------------------------------------

/** The repository root: the nearest directory above this file with a package.json. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

const USAGE = 'usage: node dist/scripts/make-sample.js [--out DIR]';

function main(argv: string[]): number {
  let out = path.join(repoRoot(), 'data', 'sample');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else if (arg === '--out' && i + 1 < argv.length) {
      out = path.resolve(argv[++i]);
    } else if (arg.startsWith('--out=')) {
      out = path.resolve(arg.slice('--out='.length));
    } else {
      console.error(`make-sample: unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
      return 2;
    }
  }
  const sample = generateSample();
  const files = renderSample(sample);
  fs.mkdirSync(out, { recursive: true });
  for (const [name, content] of files) fs.writeFileSync(path.join(out, name), content);
  console.log(`wrote ${[...files.keys()].join(', ')} to ${out}`);
  console.log(describe(sample, files));
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
