// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// `bash scripts/bindings.sh` rewrites it; `cargo test` fails while it is stale.

/**
 * Everything `doctor` reports.
 */
export type DoctorReport = { versions: Versions, paths: AppPaths, schema_version: number, backend: BackendSummary, library_folders: Array<LibraryFolder>, self_test: SelfTestReport | null, 
/**
 * Things a person should know about this start (a database restored
 * from its backup); the app shows them as a banner.
 */
notices: Array<string>, };

/**
 * Versions of what this binary was built from.
 */
export type Versions = { playgenie: string, burn: string, wgpu: string, tauri: string, symphonia: string, rusqlite: string, sqlite: string, };

/**
 * The backend self-test: one forward pass and Adam step on the backend in
 * use, compared with the same on the CPU.
 */
export type SelfTestReport = { 
/**
 * Loss before and after the step on the backend in use.
 */
loss: number, loss_after_step: number, 
/**
 * Largest absolute difference from the CPU's numbers.
 */
max_abs_diff_vs_cpu: number, 
/**
 * Wall time of the run on the backend in use (includes shader
 * compilation on a first wgpu run).
 */
millis: number, 
/**
 * Agreement within tolerance and a lower loss after the step.
 */
passed: boolean, };

/**
 * The files and folders PlayGenie owns.
 */
export type AppPaths = { 
/**
 * Root of everything PlayGenie writes.
 */
data_dir: string, 
/**
 * The SQLite database, the one source of truth.
 */
database: string, 
/**
 * The last good copy of the database (made after each scan that
 * changed the library and each history import; `playgenie db restore`
 * puts it back). Always [`crate::db::backup_path_of`] the database.
 */
backup: string, 
/**
 * Model checkpoints and their configs.
 */
models_dir: string, 
/**
 * Where "Export" writes playlist files unless told otherwise:
 * `~/Music/Playlists`, or `playlists/` under `PLAYGENIE_HOME`.
 */
exports_dir: string, };

/**
 * What [`ComputeBackend::summary`] reports.
 */
export type BackendSummary = { 
/**
 * The backend in use.
 */
kind: BackendKind, 
/**
 * The backend in words, e.g. "cpu (flex)".
 */
label: string, 
/**
 * What was asked for.
 */
preference: DevicePreference, 
/**
 * The wgpu adapter found, if any (also when the CPU was chosen).
 */
adapter: AdapterInfo | null, 
/**
 * Why this backend was chosen.
 */
reason: string, };

/**
 * A wgpu adapter as a person would want it described.
 */
export type AdapterInfo = { 
/**
 * Adapter name, e.g. "NVIDIA H100" or "llvmpipe (LLVM 15.0.6, 256 bits)".
 */
name: string, 
/**
 * Graphics API: "Vulkan", "Metal", "Dx12", "Gl".
 */
api: string, 
/**
 * "DiscreteGpu", "IntegratedGpu", "VirtualGpu", "Cpu" or "Other".
 */
device_type: string, 
/**
 * Driver name and version, when the driver reports them.
 */
driver: string, 
/**
 * True for software rasterisers such as Mesa's lavapipe.
 */
software: boolean, };

/**
 * Which Burn backend runs the models.
 */
export type BackendKind = "wgpu" | "cpu";

/**
 * What the user asked for.
 */
export type DevicePreference = "auto" | "gpu" | "cpu";

/**
 * A library folder as the UI and `doctor` show it.
 */
export type LibraryFolder = { 
/**
 * The folder, as the user added it (made absolute).
 */
path: string, 
/**
 * False when the folder has gone (unplugged drive, deleted).
 */
exists: boolean, 
/**
 * Number of music files found below it.
 */
audio_files: number, };

/**
 * A row of the library table: a [`TrackRow`] without the feature vector.
 */
export type LibraryRow = { id: number, path: string, status: string, features: FeatureSummary | null, cover: string | null, 
/**
 * The learned ear's top tags, strongest first (empty until heard).
 */
sound_tags: Array<string>, title: string, artist: string, album_artist: string | null, album: string, track_no: number | null, disc_no: number | null, year: number | null, genre: string | null, 
/**
 * Duration from the file's properties, seconds.
 */
duration_s: number | null, 
/**
 * Whether the file embeds cover art.
 */
has_cover: boolean, 
/**
 * Fields that were guessed from the path ("title", "artist", "album").
 */
guessed: Array<string>, };

/**
 * The features the library table shows and sorts by.
 */
export type FeatureSummary = { tempo_bpm: number, 
/**
 * Pitch class of the key, 0 = C.
 */
key: number, 
/**
 * 1 = major, 0 = minor.
 */
mode: number, };

/**
 * A file that could not be indexed, and why.
 */
export type ScanErrorRow = { path: string, kind: string, message: string, at: number, };

/**
 * A track's descriptive metadata.
 */
export type Tags = { title: string, artist: string, album_artist: string | null, album: string, track_no: number | null, disc_no: number | null, year: number | null, genre: string | null, 
/**
 * Duration from the file's properties, seconds.
 */
duration_s: number | null, 
/**
 * Whether the file embeds cover art.
 */
has_cover: boolean, 
/**
 * Fields that were guessed from the path ("title", "artist", "album").
 */
guessed: Array<string>, };

/**
 * Progress, reported after every file.
 */
export type ScanProgress = { done: number, total: number, current: string | null, errors: number, etaS: number | null, };

/**
 * What a scan did.
 */
export type ScanReport = { files_seen: number, unchanged: number, analysed: number, added: number, updated: number, moved: number, missing: number, errors: number, cancelled: boolean, elapsed_s: number, 
/**
 * Seconds of audio decoded for analysis.
 */
decoded_audio_s: number, };

/**
 * How far the pass is: tracks heard (or failed) by the current listener,
 * and tracks there are to hear.
 */
export type ListeningProgress = { done: number, failed: number, total: number, };

/**
 * What a pass did.
 */
export type ListenReport = { 
/**
 * Tracks heard in this pass.
 */
heard: number, 
/**
 * Tracks that could not be heard (recorded; not retried until the
 * file changes).
 */
failed: number, 
/**
 * Where the library stands now.
 */
progress: ListeningProgress, seconds: number, tracks_per_s: number, patches_per_track: number, 
/**
 * The backend in words.
 */
backend: string, cancelled: boolean, 
/**
 * Whether the genie's catalogue now carries the ear's columns.
 */
ear_in_use: boolean, };

/**
 * A playlist as the list of playlists shows it.
 */
export type PlaylistSummary = { id: number, name: string, tracks: number, duration_s: number, updated_at: number, };

/**
 * One entry of a playlist, with what the playlist view shows.
 */
export type PlaylistEntryRow = { position: number, track_id: number, title: string, artist: string, album: string, duration_s: number | null, path: string, cover: string | null, origin: EntryOrigin, };

/**
 * How a track came into a playlist.
 */
export type EntryOrigin = "user" | "import" | "suggestion";

/**
 * What importing a playlist file did.
 */
export type PlaylistImportReport = { playlist: PlaylistSummary, format: PlaylistFormat, 
/**
 * Entries in the file.
 */
entries: number, 
/**
 * Entries added to the playlist.
 */
imported: number, 
/**
 * Lines skipped, and why: unreadable lines, web URLs, missing files,
 * files outside the library.
 */
problems: Array<Problem>, };

/**
 * How to write a playlist file.
 */
export type ExportFormat = "m3u" | "xspf";

/**
 * A playlist file format.
 */
export type PlaylistFormat = "m3u" | "pls" | "xspf";

/**
 * One line (or element) of an input that could not be used, and why.
 */
export type Problem = { 
/**
 * 1-based line number in the file.
 */
line: number, 
/**
 * The offending text, shortened for display.
 */
text: string, 
/**
 * What is wrong, in words.
 */
message: string, };

/**
 * Where an export went.
 */
export type Exported = { path: string, tracks: number, };

/**
 * A snapshot of the player, as the UI shows it.
 */
export type PlayerState = { status: PlayerStatus, track: PlayableTrack | null, position_ms: number, duration_ms: number | null, queue_index: number | null, queue_len: number, volume: number, normalization: Normalization, 
/**
 * Crossfades between tracks that are not album neighbours in order.
 */
automix: boolean, context: PlayContext, 
/**
 * What the sound goes to ("silent: no audio output device" on CI).
 */
output: string, 
/**
 * The last track that could not be played, and why.
 */
error: string | null, };

/**
 * What the player is doing.
 */
export type PlayerStatus = "stopped" | "playing" | "paused";

/**
 * A transport action: what a play/pause, next, previous or stop button
 * (or a media key) asks of the player.
 */
export type PlayerAction = "toggle" | "pause" | "resume" | "next" | "previous" | "stop";

/**
 * Loudness normalisation from the analysed loudness (ReplayGain 2.0
 * reference, -18 LUFS).
 */
export type Normalization = "off" | "track" | "album";

/**
 * Where a queue was started from, recorded with each play.
 */
export type PlayContext = { source: PlaySource, playlist_id: number | null, };

/**
 * Everything the player needs about a track.
 */
export type PlayableTrack = { 
/**
 * The library track; `None` for a file played from outside the
 * library (`playgenie play FILE`).
 */
id: number | null, path: string, title: string, artist: string, album: string, duration_ms: number | null, cover: string | null, 
/**
 * ReplayGain 2.0 track gain from the analysis (dB to reach -18 LUFS).
 */
track_gain_db: number | null, 
/**
 * The same for the album as a whole (energy mean of its tracks).
 */
album_gain_db: number | null, };

/**
 * Where a play was started from.
 */
export type PlaySource = "library" | "playlist" | "suggestion" | "queue" | "import";

/**
 * How a play ended.
 */
export type EndReason = "finished" | "skipped" | "stopped" | "imported";

/**
 * A play to record.
 */
export type NewPlay = { track_id: number | null, artist: string, title: string, started_at_ms: number, listened_ms: number, end_reason: EndReason, end_position_ms: number | null, duration_ms: number | null, source: PlaySource, playlist_id: number | null, 
/**
 * The service an imported play came from.
 */
imported_from: string | null, };

/**
 * A recorded play, as the history table shows it.
 */
export type PlayRow = { id: number, track_id: number | null, artist: string, title: string, started_at_ms: number, listened_ms: number, end_reason: string, end_position_ms: number | null, duration_ms: number | null, source: string, playlist: string | null, imported_from: string | null, };

/**
 * Listening time on one day.
 */
export type DayTotal = { 
/**
 * `YYYY-MM-DD`, in the offset the caller asked for.
 */
day: string, listened_ms: number, plays: number, };

/**
 * A track and how much it was played.
 */
export type MostPlayed = { track_id: number | null, artist: string, title: string, plays: number, listened_ms: number, };

/**
 * What a history import did.
 */
export type HistoryImportReport = { service: string, 
/**
 * Listens in the file.
 */
listens: number, 
/**
 * Listens matched to a library track.
 */
matched: number, 
/**
 * Plays added (a listen imported before is not added again).
 */
added: number, 
/**
 * Listens without a library track: artist – title, and how often.
 */
unmatched: Array<[string, number]>, 
/**
 * Lines that could not be read.
 */
problems: Array<Problem>, };

/**
 * Listening on one day: from suggestions and from the listener's own
 * choices.
 */
export type EngagementDay = { 
/**
 * `YYYY-MM-DD`, local.
 */
day: string, suggested_ms: number, chosen_ms: number, };

/**
 * The engagement figures over some plays and answers to suggestions.
 */
export type Engagement = { 
/**
 * Time heard from suggested tracks (suggestions played, or kept and
 * played from the playlist) and from tracks the listener chose.
 */
suggested_ms: number, chosen_ms: number, suggested_plays: number, chosen_plays: number, 
/**
 * Plays the listener skipped (moved on before the end).
 */
suggested_skips: number, chosen_skips: number, 
/**
 * Suggestions kept and removed.
 */
kept: number, removed: number, 
/**
 * kept / (kept + removed); `None` before any answer.
 */
keep_rate: number | null, 
/**
 * Skips per play; `None` without plays.
 */
suggested_skip_rate: number | null, chosen_skip_rate: number | null, };

/**
 * The figures while one model version was the newest.
 */
export type VersionEngagement = { 
/**
 * `None`: before the first model (the cold start).
 */
version: number | null, 
/**
 * When it was saved (unix seconds).
 */
since: number | null, figures: Engagement, };

/**
 * What the listener sees of their engagement: every figure is computed on
 * this machine from its own history and never leaves it.
 */
export type EngagementReport = { 
/**
 * The last `days` days that had plays, oldest first.
 */
days: Array<EngagementDay>, 
/**
 * Those days together.
 */
recent: Engagement, 
/**
 * Everything, per model version (oldest first): plays by the version
 * that was newest when they started, answers by the version that made
 * the suggestion.
 */
versions: Array<VersionEngagement>, };

/**
 * What a person chooses for one completion.
 */
export type CompleteOptions = { 
/**
 * How many tracks to add (1 to [`crate::genie::MAX_K`]).
 */
k: number, 
/**
 * 0 = the familiar, 1 = discovery.
 */
adventurousness: number, 
/**
 * No artist twice within this many tracks.
 */
artist_window: number, 
/**
 * Tracks not to suggest this time (beside those removed before).
 */
exclude: Array<number>, 
/**
 * Tags or genres never to suggest ("christmas", "metal").
 */
exclude_tags: Array<string>, 
/**
 * The listener's offset from UTC in seconds ("evening" is theirs).
 */
utc_offset_s: number, };

/**
 * What answered a request.
 */
export type Completion = { suggestions: Array<Suggestion>, 
/**
 * The model version that answered; `None`: the audio features alone
 * (cold start).
 */
model_version: number | null, 
/**
 * The same in words: "model v3" or "audio features only (no model
 * trained yet)".
 */
answered_by: string, millis: number, };

/**
 * One suggestion.
 */
export type Suggestion = { track_id: number, title: string, artist: string, album: string, duration_s: number | null, 
/**
 * Why, in words, strongest first.
 */
reasons: Array<string>, };

/**
 * What the listener did with a suggestion.
 */
export type Feedback = "kept" | "removed";

/**
 * How to train.
 */
export type TrainMode = "full" | "fine-tune";

/**
 * What a training run did.
 */
export type TrainReport = { mode: TrainMode, backend: string, tracks: number, playlists: number, epochs: Array<EpochStats>, valid_loss: number, 
/**
 * The version now in use, or `None` when the candidate was refused
 * (not finite, or not better) and the previous model stays.
 */
version: number | null, seconds: number, };

/**
 * Loss figures of one epoch.
 */
export type EpochStats = { epoch: number, beta: number, train_loss: number, train_kl: number, valid_loss: number, 
/**
 * NDCG of the validation cuts (model selection follows it).
 */
valid_ndcg: number, 
/**
 * Whether the decoder's embedding term was on (training starts
 * without it where recency is known).
 */
decoder_embeddings: boolean, seconds: number, };

/**
 * The saved model versions and the one in use.
 */
export type Models = { current: number | null, versions: Array<ModelVersion>, training: boolean, };

/**
 * One saved version, as the Model view lists it.
 */
export type ModelVersion = { version: number, created_at: number, valid_loss: number, note: string, 
/**
 * The version it was fine-tuned from.
 */
parent: number | null, 
/**
 * How many tracks it knows (the ids stay in the core).
 */
tracks: number, };

/**
 * Where a radio starts.
 */
export type RadioStart = { "kind": "track", "value": number } | { "kind": "album", "value": string } | { "kind": "artist", "value": string } | { "kind": "playlist", "value": number } | { "kind": "tag", "value": string };

/**
 * How a radio should sound.
 */
export type RadioOptions = { 
/**
 * 0 = the familiar, 1 = discovery.
 */
adventurousness: number, 
/**
 * The listener's offset from UTC in seconds.
 */
utc_offset_s: number, };

/**
 * A radio that started: what to queue first.
 */
export type RadioStarted = { 
/**
 * "Radio from artist “Maxstack”".
 */
title: string, 
/**
 * The start's first track, then the first refill.
 */
tracks: Array<number>, };

/**
 * The session, for the player bar.
 */
export type RadioStatus = { title: string, heard: number, ahead: number, };

/**
 * A planned path.
 */
export type PathPlan = { steps: Array<PathStep>, model_version: number | null, answered_by: string, millis: number, };

/**
 * One step of a path.
 */
export type PathStep = { track_id: number, title: string, artist: string, album: string, duration_s: number | null, 
/**
 * How far along the path, 0 (the start) to 1 (the end).
 */
along: number, 
/**
 * An end or a waypoint the listener chose.
 */
stop: boolean, 
/**
 * Why it sits where it does.
 */
reasons: Array<string>, };

/**
 * What an exclusion names.
 */
export type ExclusionKind = "folder" | "artist" | "album" | "tag";

/**
 * One entry of the "never suggest" list.
 */
export type ExclusionRow = { id: number, kind: ExclusionKind, 
/**
 * The folder (lossy UTF-8 for display) or the name or tag.
 */
value: string, 
/**
 * Unix seconds.
 */
added_at: number, };

/**
 * An exclusion as a person asks for it.
 */
export type NewExclusion = { kind: ExclusionKind, 
/**
 * A folder's absolute path, or the artist, album or tag.
 */
value: string, };

/**
 * A song with several versions in the library, the suggested one first.
 */
export type VersionGroup = { tracks: Array<VersionTrack>, };

/**
 * One file of a song that has several versions.
 */
export type VersionTrack = { track_id: number, title: string, artist: string, album: string, duration_s: number | null, 
/**
 * The folder the file is in.
 */
folder: string, 
/**
 * The version the modes suggest.
 */
suggested: boolean, };

/**
 * What a rule looks at.
 */
export type SmartField = "title" | "artist" | "album" | "genre" | "tag" | "year" | "tempo" | "key" | "loudness" | "duration" | "added" | "play_count" | "last_played" | "skip_rate";

/**
 * How a rule compares.
 */
export type SmartOp = "is" | "is_not" | "contains" | "not_contains" | "below" | "above" | "between" | "in_last" | "not_in_last";

/**
 * A rule as written: strings, checked by [`Rule::check`].
 */
export type RuleSpec = { field: string, op: string, 
/**
 * One value, or two for `between`.
 */
values: Array<string>, };

/**
 * A smart playlist's definition as written.
 */
export type SmartSpec = { 
/**
 * Every rule must hold (`true`) or any one (`false`).
 */
all: boolean, rules: Array<RuleSpec>, 
/**
 * A field to sort by (default: artist, album, track order).
 */
sort: string | null, descending: boolean, 
/**
 * Keep only the first N after sorting.
 */
limit: number | null, };

/**
 * A smart playlist with what it holds right now.
 */
export type SmartPlaylist = { id: number, name: string, spec: SmartSpec, 
/**
 * The matching tracks, in order.
 */
track_ids: Array<number>, };

/**
 * Events from the core to a front end, in one typed stream. The app
 * forwards them to the UI as the `core-event` Tauri event; `ui/src/lib/api.ts`
 * mirrors this type.
 */
export type CoreEvent = { "type": "backendReady", backend: BackendSummary, } | { "type": "scanProgress", progress: ScanProgress, } | { "type": "scanFinished", report: ScanReport, } | { "type": "scanFailed", message: string, } | { "type": "player", state: PlayerState, } | { "type": "playRecorded", play: NewPlay, } | { "type": "trainStarted", backend: string, mode: TrainMode, } | { "type": "trainProgress", epoch: EpochStats, } | { "type": "trainFinished", report: TrainReport, } | { "type": "trainFailed", message: string, } | { "type": "listenProgress", progress: ListeningProgress, } | { "type": "listenFinished", report: ListenReport, } | { "type": "listenFailed", message: string, };
