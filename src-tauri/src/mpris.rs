//! MPRIS (Linux): the desktop's media keys, sound menu and lock screen see
//! and control PlayGenie's player, through `souvlaki` on D-Bus. Without a
//! session bus (a server, CI) this is logged and skipped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use playgenie_core::player::{Player, PlayerState, Status};
use souvlaki::{
    MediaControlEvent, MediaControls, MediaMetadata, MediaPlayback, MediaPosition, PlatformConfig,
    SeekDirection,
};

/// The published state, updated from the player's events.
#[derive(Clone, Default)]
pub struct Mpris {
    controls: Arc<Mutex<Option<MediaControls>>>,
    /// What was last published: (track path, status).
    shown: Arc<Mutex<(Option<String>, Status)>>,
}

impl Mpris {
    /// Registers on the session bus; commands drive `player`.
    pub fn attach(&self, player: Player) {
        let config = PlatformConfig {
            display_name: "PlayGenie",
            dbus_name: "playgenie",
            hwnd: None,
        };
        let mut controls = match MediaControls::new(config) {
            Ok(controls) => controls,
            Err(err) => {
                tracing::info!(?err, "media keys (MPRIS) unavailable");
                return;
            }
        };
        let attached = controls.attach(move |event| {
            let position = player.state().position_ms;
            let result = match event {
                MediaControlEvent::Play => player.resume(),
                MediaControlEvent::Pause => player.pause(),
                MediaControlEvent::Toggle => player.toggle(),
                MediaControlEvent::Next => player.next(),
                MediaControlEvent::Previous => player.previous(),
                MediaControlEvent::Stop => player.stop(),
                MediaControlEvent::Seek(direction) => player.seek(step(position, direction, 5_000)),
                MediaControlEvent::SeekBy(direction, by) => {
                    player.seek(step(position, direction, by.as_millis() as u64))
                }
                MediaControlEvent::SetPosition(MediaPosition(at)) => {
                    player.seek(at.as_millis() as u64)
                }
                MediaControlEvent::SetVolume(volume) => player.set_volume(volume as f32),
                MediaControlEvent::OpenUri(_)
                | MediaControlEvent::Raise
                | MediaControlEvent::Quit => Ok(()),
            };
            if let Err(err) = result {
                tracing::warn!(%err, "a media key could not reach the player");
            }
        });
        match attached {
            Ok(()) => {
                if let Ok(mut slot) = self.controls.lock() {
                    *slot = Some(controls);
                }
                tracing::info!("media keys (MPRIS) attached");
            }
            Err(err) => tracing::info!(?err, "media keys (MPRIS) unavailable: no session bus"),
        }
    }

    /// Publishes a player state when the track or the status changed.
    pub fn update(&self, state: &PlayerState) {
        let Ok(mut guard) = self.controls.lock() else {
            return;
        };
        let Some(controls) = guard.as_mut() else {
            return;
        };
        let key = (state.track.as_ref().map(|t| t.path.clone()), state.status);
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        if *shown == key {
            return;
        }
        if shown.0 != key.0 {
            if let Some(track) = &state.track {
                let metadata = MediaMetadata {
                    title: Some(&track.title),
                    artist: Some(&track.artist),
                    album: Some(&track.album),
                    duration: state.duration_ms.map(Duration::from_millis),
                    cover_url: None,
                };
                if let Err(err) = controls.set_metadata(metadata) {
                    tracing::debug!(?err, "MPRIS metadata not published");
                }
            }
        }
        let progress = Some(MediaPosition(Duration::from_millis(state.position_ms)));
        let playback = match state.status {
            Status::Playing => MediaPlayback::Playing { progress },
            Status::Paused => MediaPlayback::Paused { progress },
            Status::Stopped => MediaPlayback::Stopped,
        };
        if let Err(err) = controls.set_playback(playback) {
            tracing::debug!(?err, "MPRIS state not published");
        }
        *shown = key;
    }
}

fn step(position: u64, direction: SeekDirection, by: u64) -> u64 {
    match direction {
        SeekDirection::Forward => position + by,
        SeekDirection::Backward => position.saturating_sub(by),
    }
}
