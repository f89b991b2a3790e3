-- The indexed library: one row per music file, its features, and what could
-- not be indexed.

CREATE TABLE tracks (
    id           INTEGER PRIMARY KEY,
    path         BLOB    NOT NULL UNIQUE,   -- raw path bytes
    display_path TEXT    NOT NULL,          -- lossy UTF-8, for people
    fingerprint  TEXT    NOT NULL,          -- content identity (survives moves)
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing')),
    title        TEXT    NOT NULL,
    artist       TEXT    NOT NULL,
    album_artist TEXT,
    album        TEXT    NOT NULL,
    track_no     INTEGER,
    disc_no      INTEGER,
    year         INTEGER,
    genre        TEXT,
    guessed      TEXT    NOT NULL DEFAULT '', -- comma-separated guessed fields
    duration_s   REAL,
    sample_rate  INTEGER,
    channels     INTEGER,
    codec        TEXT,
    has_cover    INTEGER NOT NULL DEFAULT 0,
    added_at     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX tracks_fingerprint ON tracks (fingerprint);
CREATE INDEX tracks_album ON tracks (album_artist, album, disc_no, track_no);

CREATE TABLE track_features (
    track_id   INTEGER PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    vector     TEXT    NOT NULL,  -- FeatureVector as JSON
    decoded_s  REAL    NOT NULL,
    computed_at INTEGER NOT NULL
);

CREATE TABLE scan_errors (
    path         BLOB    PRIMARY KEY,
    display_path TEXT    NOT NULL,
    kind         TEXT    NOT NULL,    -- unsupported | unreadable | corrupt | loop | vanished
    message      TEXT    NOT NULL,
    size         INTEGER,
    mtime_ns     INTEGER,
    at           INTEGER NOT NULL
);
