-- What no mode may ever suggest: folders, artists, albums and tags or
-- genres ("audiobook", "christmas"). `value` holds a folder's raw path
-- bytes, or the UTF-8 text of a name or tag as the listener typed it;
-- matching folds case and accents (core/src/exclusions.rs).
CREATE TABLE exclusions (
    id       INTEGER PRIMARY KEY,
    kind     TEXT    NOT NULL CHECK (kind IN ('folder', 'artist', 'album', 'tag')),
    value    BLOB    NOT NULL,
    added_at INTEGER NOT NULL, -- unix seconds
    UNIQUE (kind, value)
);

-- The version of a song the listener prefers, among the files that are
-- versions of one song (core/src/versions.rs): the one a mode may suggest.
CREATE TABLE preferred_versions (
    track_id  INTEGER PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    chosen_at INTEGER NOT NULL -- unix seconds
);
