-- Smart playlists: a name and its rules (core/src/smart.rs's SmartSpec as
-- JSON), evaluated whenever the playlist is shown, played or exported.
CREATE TABLE smart_playlists (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    spec       TEXT    NOT NULL,
    created_at INTEGER NOT NULL, -- unix seconds
    updated_at INTEGER NOT NULL
);
