-- What the listener did with each suggestion: kept (added to the playlist)
-- or removed. Removed tracks are not suggested again for that playlist, and
-- both are evidence for fine-tuning.
CREATE TABLE suggestion_feedback (
    id            INTEGER PRIMARY KEY,
    playlist_id   INTEGER REFERENCES playlists (id) ON DELETE CASCADE,
    track_id      INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    action        TEXT    NOT NULL CHECK (action IN ('kept', 'removed')),
    model_version INTEGER,           -- NULL: the cold-start engine suggested it
    at            INTEGER NOT NULL   -- unix seconds
);
CREATE INDEX suggestion_feedback_playlist ON suggestion_feedback (playlist_id, action);
