// The UI's only door to the core: typed wrappers over Tauri commands and the
// one `core-event` stream. Components never call `invoke` themselves.

import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open, save } from "@tauri-apps/plugin-dialog";
import type {
  AppStatus,
  CompleteOptions,
  Completion,
  CoreEvent,
  Models,
  DayTotal,
  EngagementReport,
  Exported,
  ExportFormat,
  Feedback,
  HistoryImportReport,
  LibraryFolder,
  LibraryRow,
  MostPlayed,
  Normalization,
  PlayerAction,
  PlayerState,
  PlaylistEntryRow,
  PlaylistImportReport,
  PlaylistSummary,
  PlayRow,
  ScanErrorRow,
  SelfTestReport,
  ExclusionRow,
  NewExclusion,
  PathPlan,
  RadioStart,
  SmartPlaylist,
  SmartSpec,
  RadioStarted,
  RadioStatus,
  VersionGroup,
} from "./types";

export const CORE_EVENT = "core-event";

/** A command's error, as the Rust side words it. */
export function errorMessage(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  return JSON.stringify(err);
}

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}

export function runSelfTest(): Promise<SelfTestReport> {
  return invoke<SelfTestReport>("run_self_test");
}

export function onCoreEvent(handler: (event: CoreEvent) => void): Promise<UnlistenFn> {
  return listen<CoreEvent>(CORE_EVENT, (event) => handler(event.payload));
}

/** Every indexed track; with `first`, only the first that many in the
 * library table's default order (artist, album, disc, track). */
export function listTracks(first?: number): Promise<LibraryRow[]> {
  return invoke<LibraryRow[]>("list_tracks", first === undefined ? {} : { first });
}

export function scanErrors(): Promise<ScanErrorRow[]> {
  return invoke<ScanErrorRow[]>("scan_errors");
}

export function startScan(): Promise<boolean> {
  return invoke<boolean>("start_scan");
}

export function cancelScan(): Promise<boolean> {
  return invoke<boolean>("cancel_scan");
}

export function cancelListening(): Promise<boolean> {
  return invoke<boolean>("cancel_listening");
}

export function removeLibraryFolder(path: string): Promise<boolean> {
  return invoke<boolean>("remove_library_folder", { path });
}

/** Asks for a folder in the system dialog and adds it; null if cancelled. */
export async function pickAndAddFolder(): Promise<LibraryFolder | null> {
  const picked = await open({ directory: true, multiple: false, title: "Add a music folder" });
  if (typeof picked !== "string") return null;
  return invoke<LibraryFolder>("add_library_folder", { path: picked });
}

/** URL of a cover thumbnail, served by the app's `cover:` protocol. */
export function coverUrl(key: string): string {
  return convertFileSrc(key, "cover");
}

// Playlists.

export const listPlaylists = () => invoke<PlaylistSummary[]>("list_playlists");
export const createPlaylist = (name: string) => invoke<PlaylistSummary>("create_playlist", { name });
export const renamePlaylist = (id: number, name: string) => invoke<PlaylistSummary>("rename_playlist", { id, name });
export const deletePlaylist = (id: number) => invoke<boolean>("delete_playlist", { id });
export const duplicatePlaylist = (id: number) => invoke<PlaylistSummary>("duplicate_playlist", { id });
export const playlistEntries = (id: number) => invoke<PlaylistEntryRow[]>("playlist_entries", { id });
export const addToPlaylist = (id: number, trackIds: number[]) => invoke<PlaylistSummary>("add_to_playlist", { id, trackIds });
export const removeFromPlaylist = (id: number, positions: number[]) => invoke<PlaylistSummary>("remove_from_playlist", { id, positions });
export const moveInPlaylist = (id: number, from: number, to: number) => invoke<PlaylistSummary>("move_in_playlist", { id, from, to });

/** Exports to the playlists folder (no path) or where the user picks. */
export function exportPlaylist(id: number, format: ExportFormat, relative: boolean, path: string | null = null): Promise<Exported> {
  return invoke<Exported>("export_playlist", { id, format, relative, path });
}

/** Asks where to save, then exports; null if cancelled. */
export async function exportPlaylistAs(id: number, name: string, format: ExportFormat, relative: boolean): Promise<Exported | null> {
  const ext = format === "m3u" ? "m3u8" : "xspf";
  const path = await save({ title: "Export playlist", defaultPath: `${name}.${ext}`, filters: [{ name: ext.toUpperCase(), extensions: [ext] }] });
  if (!path) return null;
  return exportPlaylist(id, format, relative, path);
}

/** Asks for a playlist file and imports it; null if cancelled. */
export async function pickAndImportPlaylist(): Promise<PlaylistImportReport | null> {
  const picked = await open({ multiple: false, title: "Import a playlist", filters: [{ name: "Playlists", extensions: ["m3u", "m3u8", "pls", "xspf"] }] });
  if (typeof picked !== "string") return null;
  return invoke<PlaylistImportReport>("import_playlist", { path: picked });
}

/** Asks for a ListenBrainz JSON or Last.fm CSV export and imports it. */
export async function pickAndImportHistory(): Promise<HistoryImportReport | null> {
  const picked = await open({ multiple: false, title: "Import listening history", filters: [{ name: "ListenBrainz or Last.fm export", extensions: ["json", "jsonl", "csv"] }] });
  if (typeof picked !== "string") return null;
  return invoke<HistoryImportReport>("import_history", { path: picked });
}

// History.

export const recentPlays = (limit: number) => invoke<PlayRow[]>("recent_plays", { limit });
export const listeningByDay = (days: number) =>
  invoke<DayTotal[]>("listening_by_day", { days, utcOffsetS: -new Date().getTimezoneOffset() * 60 });
export const engagement = (days: number) =>
  invoke<EngagementReport>("engagement", { days, utcOffsetS: -new Date().getTimezoneOffset() * 60 });
export const mostPlayed = (limit: number) => invoke<MostPlayed[]>("most_played", { limit });

// Playback.

export const playTracks = (trackIds: number[], start: number, playlistId: number | null = null) =>
  invoke<void>("play_tracks", { trackIds, start, playlistId });
export const playerControl = (action: PlayerAction) => invoke<void>("player_control", { action });
export const playerSeek = (positionMs: number) => invoke<void>("player_seek", { positionMs: Math.max(0, Math.round(positionMs)) });
export const playerVolume = (volume: number) => invoke<void>("player_volume", { volume });
export const playerNormalization = (mode: Normalization) => invoke<void>("player_normalization", { mode });
export const playerState = () => invoke<PlayerState>("player_state");
/** Crossfades between tracks that are not album neighbours in order (remembered). */
export const playerAutomix = (on: boolean) => invoke<void>("player_automix", { on });

// Complete playlist and the model.

export function completePlaylist(id: number, k: number, adventurousness: number, artistWindow: number, exclude: number[], excludeTags: string[] = []): Promise<Completion> {
  const options: CompleteOptions = { k, adventurousness, artist_window: artistWindow, exclude, exclude_tags: excludeTags, utc_offset_s: -new Date().getTimezoneOffset() * 60 };
  return invoke<Completion>("complete_playlist", { id, options });
}
/** What the listener did with a suggestion: kept (appended) or removed (never suggested for this playlist again). */
export const suggestionFeedback = (id: number, trackId: number, feedback: Feedback, modelVersion: number | null) =>
  invoke<void>("suggestion_feedback", { id, trackId, feedback, modelVersion });
export const modelVersions = () => invoke<Models>("model_versions");
export const useModelVersion = (version: number) => invoke<void>("use_model_version", { version });
export const trainModel = (full: boolean) => invoke<boolean>("train_model", { full });
export const cancelTraining = () => invoke<boolean>("cancel_training");

// The listening modes and the listener's standing choices.

/** Starts a genie radio from a track, album, artist, playlist or tag and plays it. */
export function radioStart(start: RadioStart, adventurousness = 0.2): Promise<RadioStarted> {
  const options = { adventurousness, utc_offset_s: -new Date().getTimezoneOffset() * 60 };
  return invoke<RadioStarted>("radio_start", { start, options });
}
/** A path of `steps` tracks from one track to another through `via`. */
export const planPath = (from: number, to: number, via: number[], steps: number) =>
  invoke<PathPlan>("plan_path", { from, to, via, steps, utcOffsetS: -new Date().getTimezoneOffset() * 60 });
export const radioStop = () => invoke<boolean>("radio_stop");
export const radioStatus = () => invoke<RadioStatus | null>("radio_status");
export const exclusions = () => invoke<ExclusionRow[]>("exclusions");
export const addExclusion = (exclusion: NewExclusion) => invoke<boolean>("add_exclusion", { exclusion });
export const removeExclusion = (id: number) => invoke<boolean>("remove_exclusion", { id });
export const versionGroups = () => invoke<VersionGroup[]>("version_groups");
export const preferVersion = (trackId: number) => invoke<void>("prefer_version", { trackId });
export const smartPlaylists = () => invoke<SmartPlaylist[]>("smart_playlists");
/** Checks and saves a smart playlist; the core's message says what is wrong with a rule. */
export const saveSmart = (name: string, spec: SmartSpec) => invoke<SmartPlaylist>("save_smart", { name, spec });
export const deleteSmart = (id: number) => invoke<boolean>("delete_smart", { id });
/** Writes what a smart playlist holds now to the Playlists folder (or `path`). */
export const exportSmart = (id: number, format: ExportFormat, relative: boolean, path: string | null = null) =>
  invoke<Exported>("export_smart", { id, format, relative, path });
