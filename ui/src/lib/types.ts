// The core's types as the UI sees them: generated from the Rust types
// (./generated/bindings.ts, by src-tauri/src/bindings.rs), never written by
// hand, so a change on the Rust side that the UI does not follow fails
// `npm run check`. Only the names below are the UI's own.

export type * from "./generated/bindings";

import type { DoctorReport } from "./generated/bindings";

/** `app_status`: the doctor report with this start's notices. */
export type AppStatus = DoctorReport;
