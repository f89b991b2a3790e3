-- What the learned ear (MusiCNN, models/src/listener.rs) heard in each
-- track: 50 MSD and 50 MTT tag probabilities and the 200-d embedding, as
-- little-endian f32 blobs, or why the track could not be listened to. A row
-- is current while its version is the listener's and its fingerprint the
-- track's; anything else is listened to again.
CREATE TABLE track_listening (
    track_id    INTEGER PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,   -- the file it heard
    patches     INTEGER NOT NULL,   -- log-mel patches heard
    msd         BLOB,               -- 50 × f32, NULL when it failed
    mtt         BLOB,               -- 50 × f32
    embedding   BLOB,               -- 200 × f32
    top_tags    TEXT    NOT NULL DEFAULT '', -- display tags, comma-separated, strongest first
    error       TEXT,               -- why it could not be heard
    listened_at INTEGER NOT NULL
);
