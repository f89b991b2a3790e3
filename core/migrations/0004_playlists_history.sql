-- Playlists and the listening history: what the user keeps and what they
-- actually listen to (the evidence the model learns engagement from).

CREATE TABLE playlists (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL,  -- unix seconds
    updated_at  INTEGER NOT NULL,
    imported_from TEXT             -- the file it was imported from, if any
);

-- Entries in order. `position` is dense (0..n) and rewritten on reorder.
CREATE TABLE playlist_entries (
    playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    track_id    INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    added_at    INTEGER NOT NULL,
    origin      TEXT    NOT NULL DEFAULT 'user' CHECK (origin IN ('user', 'import', 'suggestion')),
    PRIMARY KEY (playlist_id, position)
) WITHOUT ROWID;
CREATE INDEX playlist_entries_track ON playlist_entries (track_id);

-- One row per play. Artist and title are copied so the history survives a
-- track leaving the library (track_id becomes NULL).
CREATE TABLE plays (
    id              INTEGER PRIMARY KEY,
    track_id        INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
    artist          TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    started_at_ms   INTEGER NOT NULL,  -- unix milliseconds
    listened_ms     INTEGER NOT NULL,  -- time actually heard (pauses and seeks excluded)
    end_reason      TEXT    NOT NULL CHECK (end_reason IN ('finished', 'skipped', 'stopped', 'imported')),
    end_position_ms INTEGER,           -- where in the track it ended
    duration_ms     INTEGER,           -- the track's length, when known
    source          TEXT    NOT NULL CHECK (source IN ('library', 'playlist', 'suggestion', 'queue', 'import')),
    playlist_id     INTEGER REFERENCES playlists (id) ON DELETE SET NULL,
    imported_from   TEXT               -- 'listenbrainz' | 'lastfm'; NULL for plays in PlayGenie
);
CREATE INDEX plays_started ON plays (started_at_ms);
CREATE INDEX plays_track ON plays (track_id);
-- Importing the same export twice adds nothing.
CREATE UNIQUE INDEX plays_import_once ON plays (imported_from, started_at_ms, artist, title)
    WHERE imported_from IS NOT NULL;
