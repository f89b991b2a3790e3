// Pure library-table logic: search, sort, formatting (tested in
// library.test.ts, including at 100k rows).

import type { LibraryRow, ScanReport } from "./types";

export type SortKey = "title" | "artist" | "album" | "duration" | "tempo" | "key";
export interface SortSpec {
  key: SortKey;
  ascending: boolean;
}

const KEYS = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"];

/** "C major", "F♯ minor", or "" without features. */
export function keyName(t: LibraryRow): string {
  if (!t.features) return "";
  return `${KEYS[t.features.key % 12]} ${t.features.mode === 1 ? "major" : "minor"}`;
}

/** 185.2 -> "3:05". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function haystack(t: LibraryRow): string {
  return `${t.title}\u0000${t.artist}\u0000${t.album}\u0000${t.album_artist ?? ""}\u0000${t.genre ?? ""}`.toLowerCase();
}

/** The searchable text of every track, made once per list (not once per
 * keystroke): search-as-you-type then only compares strings. */
export interface SearchIndex {
  tracks: LibraryRow[];
  /** Per track: its title, artists, album and genre, lowercased. */
  text: string[];
  /** Per track, two words of bits: which characters its text holds
   * ([`charBit`]); a word's characters must all be there before the text
   * is searched, and a one-letter word of a–z or 0–9 needs nothing more. */
  chars: Int32Array;
  /** The last answer (positions in `tracks`), which a query that only
   * adds to it narrows instead of searching the whole list again. */
  last: { words: string[]; hits: Int32Array; rows: LibraryRow[] } | null;
}

export function searchIndex(tracks: LibraryRow[]): SearchIndex {
  const text = tracks.map(haystack);
  const chars = new Int32Array(text.length * 2);
  text.forEach((t, i) => {
    const { low, high } = charMask(t);
    chars[2 * i] = low;
    chars[2 * i + 1] = high;
  });
  return { tracks, text, chars, last: null };
}

/** A character's bit: a–z and 0–9 one each (0–35), any other shares one
 * of the 28 left. */
function charBit(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 48 && code <= 57) return code - 48 + 26;
  return 36 + (code % 28);
}

/** A word's characters as [`SearchIndex.chars`] holds them, and whether
 * they alone decide a match (one letter or digit). */
function wordBits(word: string): { low: number; high: number; exact: boolean } {
  return { ...charMask(word), exact: word.length === 1 && charBit(word.charCodeAt(0)) < 36 };
}

/** The [`charBit`]s of every character of `s`, in two 32-bit words. */
function charMask(s: string): { low: number; high: number } {
  let low = 0;
  let high = 0;
  for (let c = 0; c < s.length; c++) {
    const bit = charBit(s.charCodeAt(c));
    if (bit < 32) low |= 1 << bit;
    else high |= 1 << (bit - 32);
  }
  return { low, high };
}

/** Writes to `hits` the tracks of `order` (all of them for null) whose
 * text holds the characters `low` and `high` and every word of `search`;
 * returns how many. One loop per number of words, so each stays simple
 * for the JIT. */
function matching(index: SearchIndex, order: Int32Array | null, low: number, high: number, search: string[], hits: Int32Array): number {
  const { text, chars } = index;
  const from = hits.length;
  let found = 0;
  const holds = (i: number) => (chars[2 * i] & low) === low && (chars[2 * i + 1] & high) === high;
  if (search.length === 0) {
    for (let c = 0; c < from; c++) {
      const i = order === null ? c : order[c];
      if (holds(i)) hits[found++] = i;
    }
  } else if (search.length === 1) {
    const w = search[0];
    for (let c = 0; c < from; c++) {
      const i = order === null ? c : order[c];
      if (holds(i) && text[i].includes(w)) hits[found++] = i;
    }
  } else {
    for (let c = 0; c < from; c++) {
      const i = order === null ? c : order[c];
      if (holds(i) && search.every((w) => text[i].includes(w))) hits[found++] = i;
    }
  }
  return found;
}

/** Whether every track matching `words` also matched `before`: each
 * earlier word lies inside one of the new ones (typing on narrows). */
function refines(words: string[], before: string[]): boolean {
  return before.every((b) => words.some((w) => w.includes(b)));
}

/** The tracks of `index` matching every word of `query` in title, artist,
 * album or genre, in the index's order. A query that only adds to the last
 * one searches that answer, checking only its new words, and an answer
 * that did not change is the same array (nothing downstream redraws). */
export function search(index: SearchIndex, query: string): LibraryRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    index.last = null;
    return index.tracks;
  }
  const { tracks, last } = index;
  const narrowing = last !== null && refines(words, last.words);
  // Words the last answer already holds need no second look.
  const check = narrowing ? words.filter((w) => !last.words.includes(w)) : words;
  const bits = check.map(wordBits);
  // Every word's characters, and the words their characters do not decide.
  const low = bits.reduce((m, b) => m | b.low, 0);
  const high = bits.reduce((m, b) => m | b.high, 0);
  const search = check.filter((_, k) => !bits[k].exact);
  const order = narrowing ? last.hits : null;
  const hits = new Int32Array(order === null ? tracks.length : order.length);
  const found = matching(index, order, low, high, search, hits);
  let rows: LibraryRow[];
  if (narrowing && found === hits.length) {
    rows = last.rows;
  } else {
    rows = new Array<LibraryRow>(found);
    for (let h = 0; h < found; h++) rows[h] = tracks[hits[h]];
  }
  index.last = { words, hits: hits.subarray(0, found), rows };
  return rows;
}

/** Tracks matching every word of `query` in title, artist, album or genre. */
export function filterTracks(tracks: LibraryRow[], query: string): LibraryRow[] {
  return search(searchIndex(tracks), query);
}

/** Whether the learned ear's top tags of `t` (the Tags column) include
 * `tag` (every track for ""). */
export function hasTag(t: LibraryRow, tag: string): boolean {
  const wanted = tag.trim().toLowerCase();
  return !wanted || t.sound_tags.includes(wanted);
}

/** Tracks carrying `tag` (all of them for ""). */
export function filterByTag(tracks: LibraryRow[], tag: string): LibraryRow[] {
  if (!tag) return tracks;
  return tracks.filter((t) => hasTag(t, tag));
}

/** The ear's tags in the library with how many tracks carry each, most
 * common first. */
export function tagCounts(tracks: LibraryRow[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const t of tracks) for (const tag of t.sound_tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts.entries()].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

function value(t: LibraryRow, key: SortKey): string | number {
  switch (key) {
    case "title":
      return t.title.toLowerCase();
    case "artist":
      return (t.album_artist ?? t.artist).toLowerCase();
    case "album":
      return t.album.toLowerCase();
    case "duration":
      return t.duration_s ?? -1;
    case "tempo":
      return t.features?.tempo_bpm ?? -1;
    case "key":
      return t.features ? t.features.key * 2 + (1 - t.features.mode) : -1;
  }
}

/** A sorted copy; ties keep album order (disc, track number). */
export function sortTracks(tracks: LibraryRow[], sort: SortSpec): LibraryRow[] {
  const dir = sort.ascending ? 1 : -1;
  return tracks
    .map((t, i) => ({ t, i, v: value(t, sort.key) }))
    .sort((a, b) => (a.v < b.v ? -dir : a.v > b.v ? dir : a.i - b.i))
    .map((x) => x.t);
}

/** Which rows a virtual list must render. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8) {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { first, last };
}

/** "3 of 10 files, 1 error, about 12 s left". */
export function progressText(done: number, total: number, errors: number, etaS: number | null): string {
  const parts = [`${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} files`];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (etaS !== null && done < total) parts.push(`about ${Math.max(1, Math.round(etaS))} s left`);
  return parts.join(", ");
}

/** Whether a finished scan left the library as it was: nothing added,
 * analysed, changed, moved or missing, and no file it could not read. */
export function scanChangedNothing(r: ScanReport): boolean {
  return r.added + r.analysed + r.updated + r.moved + r.missing + r.errors === 0;
}
