//! The audio path on hostile input: see `playgenie_analysis::fuzz` for the
//! shapes an input takes and what counts as a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| playgenie_analysis::fuzz::audio(data));
