import { describe, expect, it } from "vitest";
import { filterByTag, filterTracks, formatDuration, keyName, progressText, scanChangedNothing, search, searchIndex, sortTracks, tagCounts, visibleRange } from "./library";
import type { LibraryRow, ScanReport } from "./types";

function track(i: number, over: Partial<LibraryRow> = {}): LibraryRow {
  return {
    id: i,
    path: `/m/${i}.ogg`,
    status: "ok",
    title: `Song ${i}`,
    artist: `Artist ${i % 7}`,
    album_artist: null,
    album: `Album ${i % 13}`,
    track_no: i % 12,
    disc_no: null,
    year: null,
    genre: null,
    guessed: [],
    duration_s: 100 + (i % 50),
    has_cover: false,
    cover: null,
    features: { tempo_bpm: 60 + (i % 120), key: i % 12, mode: i % 2 },
    sound_tags: i % 3 === 0 ? ["ambient", "electronic"] : i % 3 === 1 ? ["rock"] : [],
    ...over,
  };
}

describe("library table logic", () => {
  const many = Array.from({ length: 100_000 }, (_, i) => track(i));

  it("filters by the learned ear's tags and counts them, most common first", () => {
    const six = Array.from({ length: 6 }, (_, i) => track(i));
    expect(filterByTag(six, "ambient").map((t) => t.id)).toEqual([0, 3]);
    expect(filterByTag(six, "").length).toBe(6);
    expect(filterByTag(six, "jazz")).toEqual([]);
    expect(tagCounts(six)).toEqual([
      { tag: "ambient", count: 2 },
      { tag: "electronic", count: 2 },
      { tag: "rock", count: 2 },
    ]);
    expect(filterByTag(many, "rock").length).toBe(33_333);
  });

  it("finds tracks by every word across fields, case-insensitively", () => {
    const hits = filterTracks(many, "song 4242 artist");
    expect(hits.map((t) => t.id)).toContain(4242);
    expect(hits.every((t) => t.title.includes("4242"))).toBe(true);
    expect(filterTracks(many, "").length).toBe(100_000);
    expect(filterTracks(many, "no such thing").length).toBe(0);
  });

  it("searches a sorted index: the same tracks, in the same order, as filtering and then sorting", () => {
    const sort = { key: "tempo", ascending: false } as const;
    const index = searchIndex(sortTracks(many, sort));
    for (const q of ["song 42", "ARTIST 3 album 1", "", "zzz"]) {
      expect(search(index, q).map((t) => t.id)).toEqual(sortTracks(filterTracks(many, q), sort).map((t) => t.id));
    }
  });

  it("answers a query typed, edited and retyped as a fresh search would, and keeps an unchanged answer", () => {
    const index = searchIndex(many);
    const typed = ["s", "so", "song", "song ", "song 4", "song 42", "song 42 artist", "song 42 artist 3", "song 42", "artist 3 song 42", "song 4", "album 1 song", "album 12", "x", ""];
    let before: LibraryRow[] | null = null;
    for (const q of typed) {
      const answer = search(index, q);
      expect(answer.map((t) => t.id), q).toEqual(search(searchIndex(many), q).map((t) => t.id));
      // Typing on without changing the answer hands back the same array.
      if (before && answer.length === before.length && answer.every((t, i) => t === before?.[i]) && q !== "") {
        expect(answer, q).toBe(before);
      }
      before = answer;
    }
    expect(search(index, "song")).toBe(search(index, "song "));
  });

  it("matches a plain substring search for every word, one-character words and other scripts included", () => {
    const names = ["Café del Mar", "Sigur Rós", "AC/DC", "Björk", "Ólafur Arnalds", "múm", "2 Many DJs", "Boards of Canada", "Nils Frahm", "雅-mix"];
    const varied = Array.from({ length: 3_000 }, (_, i) =>
      track(i, { title: `${names[i % names.length]} ${i}`, artist: names[(i * 7) % names.length], genre: i % 4 ? null : "Post-Rock" }),
    );
    const plain = (q: string) => {
      const words = q.toLowerCase().split(/\s+/).filter(Boolean);
      return varied
        .filter((t) => {
          const text = [t.title, t.artist, t.album, t.album_artist ?? "", t.genre ?? ""].join("\u0000").toLowerCase();
          return words.every((w) => text.includes(w));
        })
        .map((t) => t.id);
    };
    const index = searchIndex(varied);
    for (const q of ["é", "ó", "ós", "rós 1", "/", "ac/", "雅", "-", "post-", "0", "1 2", "z", "q", "b 9", "björk 12", "múm", "m", "mú", "múm 3", "x 雅", ""]) {
      expect(search(index, q).map((t) => t.id), q).toEqual(plain(q));
      expect(search(searchIndex(varied), q).map((t) => t.id), `${q} (fresh)`).toEqual(plain(q));
    }
  });

  it("sorts by tempo both ways and keeps the input untouched", () => {
    const up = sortTracks(many, { key: "tempo", ascending: true });
    const down = sortTracks(many, { key: "tempo", ascending: false });
    expect(up[0].features?.tempo_bpm).toBe(60);
    expect(down[0].features?.tempo_bpm).toBe(179);
    expect(many[0].id).toBe(0);
    for (let i = 1; i < up.length; i += 997) {
      expect(up[i].features!.tempo_bpm).toBeGreaterThanOrEqual(up[i - 1].features!.tempo_bpm);
    }
  });

  it("renders only the rows in view", () => {
    expect(visibleRange(0, 600, 30, 100_000)).toEqual({ first: 0, last: 28 });
    expect(visibleRange(30_000, 600, 30, 100_000)).toEqual({ first: 992, last: 1028 });
    expect(visibleRange(3_000_000, 600, 30, 100_000).last).toBe(100_000);
  });

  it("formats what people read", () => {
    expect(formatDuration(185.2)).toBe("3:05");
    expect(formatDuration(null)).toBe("");
    expect(keyName(track(0, { features: { ...track(0).features!, key: 6, mode: 0 } }))).toBe("F♯ minor");
    expect(progressText(3, 10, 1, 12.4)).toBe("3 of 10 files, 1 error, about 12 s left");
    expect(progressText(10, 10, 0, 0)).toBe("10 of 10 files");
  });
});

describe("scanChangedNothing", () => {
  const report: ScanReport = {
    files_seen: 100_000, unchanged: 100_000, analysed: 0, added: 0, updated: 0, moved: 0, missing: 0, errors: 0,
    cancelled: false, elapsed_s: 1.2, decoded_audio_s: 0,
  };
  it("lets an unchanged rescan keep the loaded list", () => {
    expect(scanChangedNothing(report)).toBe(true);
  });
  it("reloads for anything a scan found", () => {
    for (const key of ["analysed", "added", "updated", "moved", "missing", "errors"] as const) {
      expect(scanChangedNothing({ ...report, [key]: 1 }), key).toBe(false);
    }
  });
});
