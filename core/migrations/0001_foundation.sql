-- Foundation schema. Later migrations add tracks, features, plays,
-- playlists and model versions; this one holds what the first app needs.

-- Folders the user asked PlayGenie to keep as their library. `path` holds the
-- folder's raw bytes so names that are not UTF-8 survive.
CREATE TABLE library_folders (
    id       INTEGER PRIMARY KEY,
    path     BLOB    NOT NULL UNIQUE,
    added_at INTEGER NOT NULL -- unix seconds
);

-- Small user settings (key/value), e.g. the preferred compute device.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
