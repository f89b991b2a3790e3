#![no_main]
//! Any bytes as a ListenBrainz export and as a Last.fm CSV: listens or an
//! error, never a panic or a hang.

use libfuzzer_sys::fuzz_target;
use playgenie_formats::history::{parse, Service};

fuzz_target!(|data: &[u8]| {
    for service in [Service::ListenBrainz, Service::LastFm] {
        if let Ok(parsed) = parse(data, service) {
            for listen in &parsed.listens {
                assert!(!listen.artist.is_empty() && !listen.title.is_empty());
            }
        }
    }
});
