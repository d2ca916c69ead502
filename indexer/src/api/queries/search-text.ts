/**
 * Free text to a tsquery with prefix matching and typo tolerance that works the same on PGlite and
 * Postgres (no pg_trgm needed). The vocabulary is the set of lexemes in the listings' search vectors
 * (ts_stat), held in memory per chain and refreshed after commits; a query word that matches no
 * lexeme, not even as a prefix, is widened to the lexemes within a small edit distance.
 */
import type { ApiDb } from "../deps.js";
import { quoteLexeme, type TextQuery } from "./text-scan.js";
import { buildMatchSample, type MatchSample, type QueryTree } from "./search-sample.js";

const MAX_TERMS = 8;

/** Lower-case words of letters and digits: nothing else reaches the tsquery text. */
export function queryWords(text: string): string[] {
  return (text.toLowerCase().normalize("NFKD").match(/[a-z0-9]+/g) ?? []).slice(0, MAX_TERMS);
}

/** Damerau-free Levenshtein with an early exit past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

export type Vocabulary = {
  /** Sorted lexemes with at least one letter (numbers and ids are no use for typo matching). */
  words: string[];
  has(prefix: string): boolean;
  near(word: string): string[];
  /**
   * The indexed lexemes a frequent prefix stands for, when they are few ("fine" → fine, fine-tun);
   * undefined when the prefix is rare or stands for many.
   */
  expand(prefix: string): string[] | undefined;
  /**
   * The indexed lexeme to_tsquery makes of a word written out in a query (a typo's fix: "inference"
   * is indexed as "infer"), "" for a stop word; the word itself when its stem was not loaded.
   */
  stemOf(word: string): string;
  /** Listings sampled from the narrow search copy, to estimate how many a query matches. */
  sample?: MatchSample;
};

/** An indexed lexeme seen in the vocabulary's sample, and in how many listings. */
export type Lexeme = { word: string; listings: number };

/** A prefix is expanded into at most this many lexemes. */
const MAX_EXPANSION = 8;
/**
 * ...and only when its lexemes are in at least this share of the sampled listings: a frequent prefix
 * is where GIN's prefix scan costs (it gathers every match into a bitmap before intersecting), and a
 * frequent word's forms are all in any sample. A rare prefix keeps the prefix scan, which is cheap for it.
 */
const EXPANSION_SHARE = 0.005;

export function buildVocabulary(lexemes: string[], indexed: Lexeme[] = [], sampled = 0, stemmed = new Map<string, string>()): Vocabulary {
  const words = [...new Set(lexemes.filter((w) => /[a-z]/.test(w) && w.length >= 2 && w.length <= 30))].sort();
  const stems = [...indexed].sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  const byLength = new Map<number, string[]>();
  for (const w of words) {
    const list = byLength.get(w.length) ?? [];
    list.push(w);
    byLength.set(w.length, list);
  }
  return {
    words,
    stemOf(word) {
      return stemmed.get(word) ?? word;
    },
    has(prefix) {
      const lo = lowerBound(words, prefix, (w) => w);
      return lo < words.length && (words[lo] as string).startsWith(prefix);
    },
    expand(prefix) {
      const found: Lexeme[] = [];
      for (let i = lowerBound(stems, prefix, (l) => l.word); i < stems.length && (stems[i] as Lexeme).word.startsWith(prefix); i++) {
        found.push(stems[i] as Lexeme);
        if (found.length > MAX_EXPANSION) return undefined;
      }
      const listings = found.reduce((sum, l) => sum + l.listings, 0);
      if (found.length === 0 || listings < EXPANSION_SHARE * sampled) return undefined;
      return found.map((l) => l.word);
    },
    near(word) {
      // One edit for short words, two for long ones: "nvidai" → "nvidia", "gpus" is a prefix anyway.
      const max = word.length <= 4 ? 1 : 2;
      const found: { w: string; d: number }[] = [];
      for (let len = word.length - max; len <= word.length + max; len++) {
        for (const candidate of byLength.get(len) ?? []) {
          const d = editDistance(word, candidate, max);
          if (d <= max) found.push({ w: candidate, d });
        }
      }
      return found.sort((a, b) => a.d - b.d || a.w.localeCompare(b.w)).slice(0, 5).map((f) => f.w);
    },
  };
}

function lowerBound<T>(list: T[], key: string, of: (item: T) => string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (of(list[mid] as T) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `'gpu':*` per word (the english configuration stems it), ANDed; a word whose stem is unknown to the
 * vocabulary, even as a prefix, becomes `('word':* | 'fix1' | 'fix2')`. `stems` maps each word to its
 * english stem (from the database, so it is the same stemmer that built the vectors).
 *
 * A frequent prefix is spelled out as the lexemes it stands for, in tsquery syntax (`lexemes`, cast,
 * never re-stemmed: to_tsquery would read the compound "fine-tun" as fine-tun <-> fine <-> tun), so
 * GIN looks up exact entries; the other words go through to_tsquery (`parsed`). `tsquery` shows both.
 */
export function buildTextQuery(words: string[], stems: Map<string, string>, vocabulary?: Vocabulary): TextQuery | undefined {
  const kept = words.filter((w) => stems.get(w) !== "");
  if (kept.length === 0) return undefined;
  // The same query as lexemes (to_tsquery stems `'word':*` to the stem's prefix), for the sample's estimate.
  const trees: QueryTree[] = [];
  const parsed: string[] = [];
  const spelled: string[] = [];
  const shown: string[] = [];
  const viaParser = (part: string) => (parsed.push(part), shown.push(part));
  for (const word of kept) {
    const exact = `'${word}':*`;
    const stem = stems.get(word) ?? word;
    const prefixTree: QueryTree = { term: stem, prefix: true };
    // A number matches whole: as a prefix, "80" would also find 800 and 8000, and "4090" every listing
    // numbered #40901 to #409099 (a prefix scan of hundreds of lexemes: the slowest searches at 1M listings).
    if (/^[0-9]+$/.test(word)) {
      trees.push({ term: word, prefix: false });
      spelled.push(quoteLexeme(word));
      shown.push(quoteLexeme(word));
      continue;
    }
    if (!vocabulary) {
      trees.push(prefixTree);
      viaParser(exact);
      continue;
    }
    // A frequent prefix becomes the lexemes it stands for: exact GIN entries, not a prefix scan
    // (which gathers every listing of the prefix into a bitmap before intersecting with the rest).
    const forms = vocabulary.expand(stem);
    if (forms) {
      trees.push({ or: forms.map((f) => ({ term: f, prefix: false })) });
      const part = forms.length === 1 ? quoteLexeme(forms[0] as string) : `(${forms.map(quoteLexeme).join(" | ")})`;
      spelled.push(part);
      shown.push(part);
      continue;
    }
    if (word.length < 3 || vocabulary.has(stem) || vocabulary.has(word)) {
      trees.push(prefixTree);
      viaParser(exact);
      continue;
    }
    const fixes = [...new Set([...vocabulary.near(stem), ...vocabulary.near(word)])].slice(0, 5);
    // The sample holds indexed lexemes: a fix is counted by its stem, as to_tsquery reads it.
    const fixTrees = fixes.map((f) => vocabulary.stemOf(f)).filter((f) => f !== "");
    trees.push({ or: [prefixTree, ...fixTrees.map((f) => ({ term: f, prefix: false }))] });
    viaParser(fixes.length ? `(${[exact, ...fixes.map((f) => `'${f}'`)].join(" | ")})` : exact);
  }
  const sample = vocabulary?.sample;
  return {
    tsquery: shown.join(" & "),
    parsed: parsed.length ? parsed.join(" & ") : null,
    lexemes: spelled.length ? spelled.join(" & ") : null,
    ...(sample ? { tree: { and: trees }, sample } : {}),
  };
}

const stemCache = new Map<string, string>();

/** English stems of the words, as the database computes them (memoised: the words repeat). */
export async function stemWords(db: ApiDb, words: string[]): Promise<Map<string, string>> {
  const missing = words.filter((w) => !stemCache.has(w));
  if (missing.length > 0) {
    const { rows } = await db.query<{ w: string; s: string | null }>(
      "SELECT w, (ts_lexize('english_stem', w))[1] AS s FROM unnest($1::text[]) AS w",
      [missing],
    );
    if (stemCache.size > 50_000) stemCache.clear();
    // A stop word stems to nothing ("" here) and is left out of the query.
    for (const r of rows) stemCache.set(r.w, r.s ?? "");
  }
  return new Map(words.map((w) => [w, stemCache.get(w) ?? w]));
}

/** Listings sampled for the vocabulary: the newest ones, enough to hold every word in use. */
const VOCABULARY_SAMPLE = 50_000;
/** Listings of the narrow search copy sampled (uniformly, by pages) to estimate match counts. */
const MATCH_SAMPLE = 30_000;
/** A vocabulary is rebuilt after a commit at most this often: it is a scan, not a lookup. */
const VOCABULARY_MAX_AGE_MS = 10 * 60_000;

/**
 * A uniform sample of the chain's rows in the narrow search copy: whole pages (TABLESAMPLE SYSTEM),
 * so drawing it reads only the share it keeps; the chain's size is scaled up from the rows drawn.
 */
async function loadMatchSample(db: ApiDb, chainId: number): Promise<MatchSample> {
  const { rows: stats } = await db.query<{ n: number }>("SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'api_listing_search'::regclass");
  const tuples = Number(stats[0]?.n ?? -1);
  // Never analysed (-1) or small: all of it.
  const percent = tuples > MATCH_SAMPLE ? (100 * MATCH_SAMPLE) / tuples : 100;
  const { rows } = await db.query<{
    lexemes: string[];
    price: number;
    active: boolean;
    specifications: Record<string, unknown> | null;
    category: string | null;
    resource_type: string | null;
    location: string | null;
  }>(
    `SELECT tsvector_to_array(search_vector) AS lexemes, price_per_hour::float8 AS price, active, specifications, category, resource_type, location
     FROM api_listing_search ${percent < 100 ? `TABLESAMPLE SYSTEM (${percent.toFixed(6)}) REPEATABLE (0)` : ""} WHERE chain_id = $1`,
    [chainId],
  );
  return buildMatchSample(
    rows.map((r) => ({
      lexemes: r.lexemes,
      price: Number(r.price),
      active: r.active,
      specifications: r.specifications,
      labels: { category: r.category, resource_type: r.resource_type, location: r.location },
    })),
    Math.round(rows.length / (percent / 100)),
  );
}

/**
 * Vocabulary per chain, built in the background: a search never waits for it (until the first build
 * ends, words are matched exactly and as prefixes only), and commits mark it stale for a rebuild at
 * most every ten minutes.
 */
export function createVocabularyStore(db: ApiDb, onError: (error: unknown) => void) {
  const vocabularies = new Map<number, { vocabulary: Vocabulary; builtAt: number }>();
  const loading = new Map<number, Promise<void>>();
  const stale = new Set<number>();

  async function load(chainId: number): Promise<void> {
    // ts_stat runs the inner query itself, so the chain id and the sample size are spliced as validated integers.
    if (!Number.isSafeInteger(chainId)) throw new Error("bad chain id");
    const sample = `FROM (SELECT * FROM listings WHERE chain_id = ${chainId} ORDER BY listing_id DESC LIMIT ${VOCABULARY_SAMPLE}) s`;
    // Both the stems the index holds and the words as written: a typo is closer to "inference" than to "infer".
    // A word as written also carries its stem, which the sample's estimate counts it by.
    const { rows } = await db.query<{ word: string; listings: number | null; stem: string | null }>(
      `SELECT word, ndoc AS listings, NULL AS stem
       FROM ts_stat('SELECT search_vector ${sample}') WHERE length(word) BETWEEN 2 AND 30
       UNION ALL
       SELECT word, NULL, coalesce((ts_lexize('english_stem', word))[1], '') FROM ts_stat('SELECT to_tsvector(''simple'', concat_ws('' '', title, category, resource_type, description)) ${sample}')
       WHERE length(word) BETWEEN 2 AND 30`,
    );
    const { rows: counted } = await db.query<{ n: number }>(
      `SELECT count(*)::bigint AS n FROM (SELECT 1 FROM listings WHERE chain_id = ${chainId} ORDER BY listing_id DESC LIMIT ${VOCABULARY_SAMPLE}) s`,
    );
    const indexed = rows.flatMap((r) => (r.listings === null ? [] : [{ word: r.word, listings: Number(r.listings) }]));
    const stemmed = new Map(rows.flatMap((r) => (r.stem === null ? [] : [[r.word, r.stem] as const])));
    const vocabulary = buildVocabulary(rows.map((r) => r.word), indexed, Number(counted[0]?.n ?? 0), stemmed);
    vocabulary.sample = await loadMatchSample(db, chainId);
    vocabularies.set(chainId, { vocabulary, builtAt: Date.now() });
  }

  function refresh(chainId: number): void {
    if (loading.has(chainId)) return;
    const pending = load(chainId)
      .catch(onError)
      .finally(() => loading.delete(chainId));
    loading.set(chainId, pending);
  }

  return {
    /** The chain's vocabulary if one is built; starts a (re)build when there is none or it is stale. */
    get(chainId: number): Vocabulary | undefined {
      const current = vocabularies.get(chainId);
      if (!current) refresh(chainId);
      else if (stale.has(chainId) && Date.now() - current.builtAt > VOCABULARY_MAX_AGE_MS) {
        stale.delete(chainId);
        refresh(chainId);
      }
      return current?.vocabulary;
    },
    /** Waits for a build in progress (tests, warm-up). */
    async ready(chainId: number): Promise<void> {
      if (!vocabularies.has(chainId)) refresh(chainId);
      await loading.get(chainId);
    },
    invalidate(chainId: number) {
      stale.add(chainId);
      // A vocabulary built from a (nearly) empty market is rebuilt at once: early words matter most.
      const current = vocabularies.get(chainId);
      if (current && current.vocabulary.words.length < 200) {
        stale.delete(chainId);
        refresh(chainId);
      }
    },
  };
}
