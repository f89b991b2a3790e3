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
}

export type CoreEvent = { type: "backendReady"; backend: BackendSummary };
