// Mirrors of the Rust types the app sends (serde's JSON shapes).
// Keep in step with playgenie::doctor, playgenie_models::device and
// playgenie::CoreEvent.

export type BackendKind = "wgpu" | "cpu";
export type DevicePreference = "auto" | "gpu" | "cpu";

export interface AdapterInfo {
  name: string;
  api: string;
  device_type: string;
  driver: string;
  software: boolean;
}

export interface BackendSummary {
  kind: BackendKind;
  label: string;
  preference: DevicePreference;
  adapter: AdapterInfo | null;
  reason: string;
}

export interface Versions {
  playgenie: string;
  burn: string;
  wgpu: string;
  tauri: string;
  symphonia: string;
  rusqlite: string;
  sqlite: string;
}

export interface AppPaths {
  data_dir: string;
  database: string;
  models_dir: string;
}

export interface LibraryFolder {
  path: string;
  exists: boolean;
  audio_files: number;
}

export interface SelfTestReport {
  loss: number;
  loss_after_step: number;
  max_abs_diff_vs_cpu: number;
  millis: number;
  passed: boolean;
}

export interface AppStatus {
  versions: Versions;
  paths: AppPaths;
  schema_version: number;
  backend: BackendSummary;
  library_folders: LibraryFolder[];
  self_test: SelfTestReport | null;
  /** What a person should know about this start (a damaged database put
   *  back from its backup). */
  notices: string[];
}


/** A row of the library table (`list_tracks`): tags and the features the
 * table shows; the CLI's `tracks --json` has the whole vector. */
export interface LibraryRow {
  id: number;
  path: string;
  status: "ok" | "missing";
  title: string;
  artist: string;
  album_artist: string | null;
  album: string;
  track_no: number | null;
  disc_no: number | null;
  year: number | null;
  genre: string | null;
  guessed: string[];
  duration_s: number | null;
  has_cover: boolean;
  features: FeatureSummary | null;
  /** Key of the cover thumbnail (see `coverUrl`), null without art. */
  cover: string | null;
}

export interface FeatureSummary {
  tempo_bpm: number;
  /** Pitch class, 0 = C. */
  key: number;
  /** 1 = major, 0 = minor. */
  mode: number;
}

export interface ScanErrorRow {
  path: string;
  kind: string;
  message: string;
  at: number;
}

export interface ScanProgress {
  done: number;
  total: number;
  current: string | null;
  errors: number;
  etaS: number | null;
}

export interface ScanReport {
  files_seen: number;
  unchanged: number;
  analysed: number;
  added: number;
  updated: number;
  moved: number;
  missing: number;
  errors: number;
  cancelled: boolean;
  elapsed_s: number;
  decoded_audio_s: number;
}

export interface PlaylistSummary {
  id: number;
  name: string;
  tracks: number;
  duration_s: number;
  updated_at: number;
}

export interface PlaylistEntryRow {
  position: number;
  track_id: number;
  title: string;
  artist: string;
  album: string;
  duration_s: number | null;
  path: string;
  cover: string | null;
  origin: "user" | "import" | "suggestion";
}

export interface PlayableTrack {
  id: number | null;
  path: string;
  title: string;
  artist: string;
  album: string;
  duration_ms: number | null;
  cover: string | null;
  track_gain_db: number | null;
  album_gain_db: number | null;
}

export type PlayerStatus = "stopped" | "playing" | "paused";
export type Normalization = "off" | "track" | "album";
export type PlaySource = "library" | "playlist" | "suggestion" | "queue" | "import";

export interface PlayerState {
  status: PlayerStatus;
  track: PlayableTrack | null;
  position_ms: number;
  duration_ms: number | null;
  queue_index: number | null;
  queue_len: number;
  volume: number;
  normalization: Normalization;
  context: { source: PlaySource; playlist_id: number | null };
  output: string;
  error: string | null;
}

export type EndReason = "finished" | "skipped" | "stopped" | "imported";

export interface NewPlay {
  track_id: number | null;
  artist: string;
  title: string;
  started_at_ms: number;
  listened_ms: number;
  end_reason: EndReason;
  end_position_ms: number | null;
  duration_ms: number | null;
  source: PlaySource;
  playlist_id: number | null;
  imported_from: string | null;
}

export interface PlayRow {
  id: number;
  track_id: number | null;
  artist: string;
  title: string;
  started_at_ms: number;
  listened_ms: number;
  end_reason: EndReason;
  end_position_ms: number | null;
  duration_ms: number | null;
  source: PlaySource;
  playlist: string | null;
  imported_from: string | null;
}

export interface DayTotal {
  day: string;
  listened_ms: number;
  plays: number;
}

export interface MostPlayed {
  track_id: number | null;
  artist: string;
  title: string;
  plays: number;
  listened_ms: number;
}

export interface Problem {
  line: number;
  text: string;
  message: string;
}

export interface PlaylistImportReport {
  playlist: PlaylistSummary;
  format: "m3u" | "pls" | "xspf";
  entries: number;
  imported: number;
  problems: Problem[];
}

export interface HistoryImportReport {
  service: string;
  listens: number;
  matched: number;
  added: number;
  unmatched: [string, number][];
  problems: Problem[];
}

export interface Exported {
  path: string;
  tracks: number;
}

export type ExportFormat = "m3u" | "xspf";

export interface Suggestion {
  track_id: number;
  title: string;
  artist: string;
  album: string;
  duration_s: number | null;
  reasons: string[];
}

export interface Completion {
  suggestions: Suggestion[];
  engine: string;
  millis: number;
}

export interface EpochStats {
  epoch: number;
  beta: number;
  train_loss: number;
  train_kl: number;
  valid_loss: number;
  valid_ndcg: number;
  seconds: number;
}

export type TrainMode = "full" | "fine-tune";

export interface TrainReport {
  mode: TrainMode;
  backend: string;
  tracks: number;
  playlists: number;
  epochs: EpochStats[];
  valid_loss: number;
  version: number | null;
  seconds: number;
}

export interface ModelVersion {
  version: number;
  created_at: number;
  valid_loss: number;
  note: string;
  parent: number | null;
}

export interface Models {
  current: number | null;
  versions: ModelVersion[];
  training: boolean;
}

export type CoreEvent =
  | { type: "backendReady"; backend: BackendSummary }
  | { type: "scanProgress"; progress: ScanProgress }
  | { type: "scanFinished"; report: ScanReport }
  | { type: "scanFailed"; message: string }
  | { type: "player"; state: PlayerState }
  | { type: "playRecorded"; play: NewPlay }
  | { type: "trainStarted"; backend: string; mode: TrainMode }
  | { type: "trainProgress"; epoch: EpochStats }
  | { type: "trainFinished"; report: TrainReport }
  | { type: "trainFailed"; message: string };
