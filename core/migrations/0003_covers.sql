-- Cover art thumbnails, one row per distinct source picture (an album whose
-- files all embed the same picture stores it once).

CREATE TABLE covers (
    hash   TEXT    PRIMARY KEY,  -- BLAKE3 of the source picture bytes
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL,
    jpeg   BLOB    NOT NULL      -- the thumbnail
);

ALTER TABLE tracks ADD COLUMN cover TEXT REFERENCES covers (hash);
