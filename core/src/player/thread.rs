//! The player thread: one loop that takes commands, decodes ahead into the
//! output buffer, and turns the output's progress into positions and
//! finished plays.
//!
//! Stream time: every frame pushed into the buffer has an index; a queue
//! entry being fed starts at the index where its first frame went in
//! (a [`Segment`]). The output's `cursor` says which frame the listener is
//! at, so the audible track is the last segment that started at or before
//! the cursor. The next track is decoded into the buffer before the
//! current one ends, which makes playback gapless.
//!
//! Automix: when a transition crossfades ([`mix::crossfade_s`]), the last
//! frames of the track being fed are held back (`tail`) until its decoder
//! ends; they are then mixed, equal-power and sample for sample, with the
//! next track's first frames, and the next segment records that overlap:
//! both plays count the frames heard while both sound.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::mix;
use super::output::{Output, OutputChoice, CHANNELS};
use super::source::TrackSource;
use super::{Command, Normalization, PlayContext, PlayerEvent, PlayerState, Status};
use crate::db::{EndReason, NewPlay, PlayableTrack};

/// How often state is reported while playing.
const TICK: Duration = Duration::from_millis(250);
/// "Previous" restarts the track after this much of it.
const RESTART_AFTER_MS: u64 = 3_000;

/// One queue entry in the stream.
struct Segment {
    index: usize,
    /// Stream frame where its first frame went in.
    start: u64,
    /// Track position (frames) of that first frame (non-zero after a seek).
    offset: u64,
    /// Wall-clock start, set when it becomes audible.
    started_at_ms: Option<i64>,
    /// Frames heard.
    heard: u64,
    /// Frames at its start during which the previous track still sounds
    /// (a crossfade), so the previous play ends at `start + overlap`.
    overlap: u64,
}

struct PlayerThread {
    output: Output,
    state: Arc<Mutex<PlayerState>>,
    on_event: Box<dyn FnMut(PlayerEvent) + Send>,
    queue: Vec<PlayableTrack>,
    context: PlayContext,
    normalization: Normalization,
    automix: bool,
    /// The track being decoded, and its queue index.
    feed: Option<(usize, TrackSource)>,
    /// Frames of the fed track held back for a crossfade into the next
    /// entry (0: none), and those frames.
    fade_frames: usize,
    tail: Vec<f32>,
    /// Decoded samples not yet in the buffer.
    pending: Vec<f32>,
    pending_at: usize,
    segments: VecDeque<Segment>,
    /// Frames pushed so far.
    pushed: u64,
    /// Stream frame where the queue runs out (set when the last track is
    /// fully decoded).
    end_of_queue: Option<u64>,
    heard_seen: u64,
    status: Status,
    /// The queue entry a stop or skip left, where Play starts again.
    resume_index: Option<usize>,
    error: Option<String>,
    last_tick: Instant,
}

pub(super) fn run(
    choice: OutputChoice,
    rx: Receiver<Command>,
    state: Arc<Mutex<PlayerState>>,
    on_event: Box<dyn FnMut(PlayerEvent) + Send>,
) {
    let volume = state.lock().map(|s| s.volume).unwrap_or(1.0);
    let output = Output::open(choice, volume);
    let mut player = PlayerThread {
        output,
        state,
        on_event,
        queue: Vec::new(),
        context: PlayContext::default(),
        normalization: Normalization::default(),
        automix: false,
        feed: None,
        fade_frames: 0,
        tail: Vec::new(),
        pending: Vec::new(),
        pending_at: 0,
        segments: VecDeque::new(),
        pushed: 0,
        end_of_queue: None,
        heard_seen: 0,
        status: Status::Stopped,
        resume_index: None,
        error: None,
        last_tick: Instant::now(),
    };
    player.publish();
    loop {
        let busy = player.status == Status::Playing && player.wants_samples();
        let command = if busy {
            rx.try_recv().map_err(|e| match e {
                std::sync::mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                std::sync::mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            })
        } else {
            rx.recv_timeout(Duration::from_millis(10))
        };
        match command {
            Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                player.end_front(EndReason::Stopped);
                player.publish();
                break;
            }
            Ok(command) => player.handle(command),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if player.status == Status::Playing {
            player.feed_output();
        }
        player.account();
        if player.last_tick.elapsed() >= TICK && player.status == Status::Playing {
            player.publish();
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl PlayerThread {
    fn rate(&self) -> u64 {
        u64::from(self.output.rate)
    }

    fn frames_to_ms(&self, frames: u64) -> u64 {
        frames.saturating_mul(1000) / self.rate().max(1)
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Load {
                queue,
                start,
                context,
            } => {
                self.end_front(EndReason::Skipped);
                self.queue = queue;
                self.resume_index = None;
                self.context = context;
                self.error = None;
                self.start_at(start, 0);
            }
            Command::Append(tracks) => {
                let next = self.queue.len();
                self.queue.extend(tracks);
                // The fed track may now fade into the first new one.
                if let Some((index, _)) = &self.feed {
                    if self.fade_frames == 0 {
                        self.fade_frames = self.fade_for(*index);
                    }
                }
                // The last track was decoded to its end already: the new
                // ones follow it without a gap, if it is still playing.
                if self.feed.is_none() && self.end_of_queue.is_some() && !self.segments.is_empty() {
                    self.end_of_queue = None;
                    self.feed_from(next);
                }
                self.publish();
            }
            Command::Toggle => match self.status {
                Status::Playing => self.set_paused(true),
                Status::Paused => self.set_paused(false),
                Status::Stopped if !self.queue.is_empty() => {
                    let index = self.resume_index.unwrap_or(0);
                    self.start_at(index, 0);
                }
                Status::Stopped => {}
            },
            Command::Pause if self.status == Status::Playing => self.set_paused(true),
            Command::Resume if self.status == Status::Paused => self.set_paused(false),
            Command::Pause | Command::Resume => {}
            Command::Next => {
                if let Some(front) = self.segments.front() {
                    let next = front.index + 1;
                    self.end_front(EndReason::Skipped);
                    self.start_at(next, 0);
                }
            }
            Command::Previous => {
                if let Some(front) = self.segments.front() {
                    let index = front.index;
                    if self.position_ms() > RESTART_AFTER_MS || index == 0 {
                        self.seek(0);
                    } else {
                        self.end_front(EndReason::Skipped);
                        self.start_at(index - 1, 0);
                    }
                }
            }
            Command::Seek(ms) => self.seek(ms),
            Command::Volume(volume) => {
                self.output.shared.set_volume(volume);
                self.publish();
            }
            Command::Automix(on) => {
                self.automix = on;
                if let Some((index, _)) = &self.feed {
                    let index = *index;
                    self.fade_frames = if on { self.fade_for(index) } else { 0 };
                    if !on {
                        // What was held back plays as it is.
                        self.pending.drain(..self.pending_at);
                        self.pending_at = 0;
                        self.pending.append(&mut self.tail);
                    }
                }
                self.publish();
            }
            Command::Normalization(mode) => {
                self.normalization = mode;
                self.publish();
            }
            Command::Stop => {
                self.end_front(EndReason::Stopped);
                self.publish();
            }
            Command::Shutdown => {}
        }
    }

    fn set_paused(&mut self, paused: bool) {
        self.output.shared.paused.store(paused, Ordering::Relaxed);
        self.status = if paused {
            Status::Paused
        } else {
            Status::Playing
        };
        self.publish();
    }

    /// Whether the buffer has room for more.
    fn wants_samples(&self) -> bool {
        self.end_of_queue.is_none() && self.output.producer.slots() >= CHANNELS * 256
    }

    /// Drops what is buffered and decoding; the output is silent after.
    fn reset_stream(&mut self) {
        self.output.flush();
        self.pushed = self.output.shared.cursor.load(Ordering::Acquire);
        self.heard_seen = self.output.shared.heard.load(Ordering::Acquire);
        self.pending.clear();
        self.pending_at = 0;
        self.feed = None;
        self.tail.clear();
        self.fade_frames = 0;
        self.segments.clear();
        self.end_of_queue = None;
    }

    /// Starts playing queue entry `index` at `position_ms`; a track that
    /// cannot be opened is reported and the next one tried.
    fn start_at(&mut self, index: usize, position_ms: u64) {
        self.reset_stream();
        let mut index = index;
        while index < self.queue.len() {
            match self.open(index) {
                Ok(mut source) => {
                    let mut offset = 0;
                    if position_ms > 0 {
                        match source.seek(position_ms) {
                            Ok(()) => offset = position_ms.saturating_mul(self.rate()) / 1000,
                            Err(err) => tracing::warn!(%err, "seek failed; playing from the start"),
                        }
                    }
                    self.segments.push_back(Segment {
                        index,
                        start: self.pushed,
                        offset,
                        started_at_ms: Some(now_ms()),
                        heard: 0,
                        overlap: 0,
                    });
                    self.feed = Some((index, source));
                    self.fade_frames = self.fade_for(index);
                    self.output.shared.paused.store(false, Ordering::Relaxed);
                    self.status = Status::Playing;
                    self.publish();
                    return;
                }
                Err(message) => {
                    tracing::warn!(%message, "skipping a track that cannot be played");
                    self.error = Some(message);
                    index += 1;
                }
            }
        }
        self.status = Status::Stopped;
        self.publish();
    }

    fn open(&mut self, index: usize) -> Result<TrackSource, String> {
        let track = &mut self.queue[index];
        let (rate, gain_db) = (self.output.rate, self.normalization.gain_db(track));
        let source = crate::error::catch_panic(|| TrackSource::open(&track.file, rate, gain_db))
            .map_err(|panic| format!("cannot play {}: its decoder failed ({panic})", track.path))?
            .map_err(|err| format!("cannot play {}: {err}", track.path))?;
        if track.duration_ms.is_none() {
            track.duration_ms = source.duration_ms();
        }
        Ok(source)
    }

    fn seek(&mut self, ms: u64) {
        let Some(front) = self.segments.front() else {
            return;
        };
        let index = front.index;
        let started_at_ms = front.started_at_ms;
        let heard = front.heard;
        let paused = self.status == Status::Paused;
        self.start_at(index, ms);
        // The same play goes on: keep its start and what was heard.
        if let Some(front) = self.segments.front_mut() {
            front.started_at_ms = started_at_ms;
            front.heard = heard;
        }
        if paused {
            self.set_paused(true);
        }
    }

    /// Decodes and pushes until the buffer is full or the queue ends.
    fn feed_output(&mut self) {
        while self.output.producer.slots() >= CHANNELS {
            if self.pending_at >= self.pending.len() {
                if !self.decode_more() {
                    return;
                }
                continue;
            }
            let room = (self.output.producer.slots() / CHANNELS) * CHANNELS;
            let n = room.min(self.pending.len() - self.pending_at);
            let Ok(mut chunk) = self.output.producer.write_chunk(n) else {
                return;
            };
            let (a, b) = chunk.as_mut_slices();
            let src = &self.pending[self.pending_at..self.pending_at + n];
            a.copy_from_slice(&src[..a.len()]);
            b.copy_from_slice(&src[a.len()..]);
            chunk.commit_all();
            self.pending_at += n;
            self.pushed += (n / CHANNELS) as u64;
        }
    }

    /// Fills `pending` from the feed; moves the feed to the next track at
    /// the end of one (crossfading into it when the transition asks for
    /// it). Returns false when there is nothing more to decode.
    fn decode_more(&mut self) -> bool {
        loop {
            let Some((index, source)) = self.feed.as_mut() else {
                return false;
            };
            let index = *index;
            // A panic in a decoder or the resampler ends this track, not
            // the player: the next one plays.
            match crate::error::catch_panic(|| source.next_block()) {
                Ok(Some(block)) => {
                    if self.fade_frames == 0 {
                        self.pending = block;
                        self.pending_at = 0;
                        return true;
                    }
                    // Hold the last `fade_frames` back; release the rest.
                    self.tail.extend_from_slice(&block);
                    let keep = self.fade_frames * CHANNELS;
                    if self.tail.len() > keep {
                        let release = self.tail.len() - keep;
                        self.pending = self.tail.drain(..release).collect();
                        self.pending_at = 0;
                        return true;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(panic) => {
                    let path = &self.queue[index].path;
                    let message =
                        format!("cannot play {path} further: its decoder failed ({panic})");
                    tracing::warn!(%message, "skipping the rest of a track");
                    self.error = Some(message);
                }
            }
            // The fed track ended: open the next one now, so its first
            // frame follows the last frame of this one (or mixes into its
            // held-back end).
            self.feed = None;
            self.fade_frames = 0;
            let tail = std::mem::take(&mut self.tail);
            if tail.is_empty() {
                return self.feed_from(index + 1);
            }
            return self.crossfade_into(index + 1, tail);
        }
    }

    /// The crossfade length into entry `index + 1` in frames, when automix
    /// is on and there is one.
    fn fade_for(&self, index: usize) -> usize {
        match (
            self.automix,
            self.queue.get(index),
            self.queue.get(index + 1),
        ) {
            (true, Some(out), Some(into)) => {
                (mix::crossfade_s(out, into) * f64::from(self.output.rate)).round() as usize
            }
            _ => 0,
        }
    }

    /// Mixes `tail` (the end of the track just decoded) into the start of
    /// entry `next` (or the first after it that opens) and feeds on from
    /// there; with nothing left to play, the tail plays out as it is.
    fn crossfade_into(&mut self, next: usize, tail: Vec<f32>) -> bool {
        let overlap = (tail.len() / CHANNELS) as u64;
        let Some((next, mut source)) = self.open_from(next) else {
            self.end_of_queue = Some(self.pushed + overlap);
            self.pending = tail;
            self.pending_at = 0;
            return true;
        };
        let mut head: Vec<f32> = Vec::with_capacity(tail.len());
        while head.len() < tail.len() {
            match crate::error::catch_panic(|| source.next_block()) {
                Ok(Some(block)) => head.extend_from_slice(&block),
                _ => break,
            }
        }
        let rest = head.split_off(head.len().min(tail.len()));
        let mut mixed = mix::equal_power(&tail, &head, CHANNELS);
        self.segments.push_back(Segment {
            index: next,
            start: self.pushed,
            offset: 0,
            started_at_ms: None,
            heard: 0,
            overlap,
        });
        self.feed = Some((next, source));
        self.fade_frames = self.fade_for(next);
        if self.fade_frames == 0 {
            mixed.extend_from_slice(&rest);
        } else {
            self.tail = rest;
        }
        self.pending = mixed;
        self.pending_at = 0;
        true
    }

    /// Opens queue entry `next` (or the first after it that opens) as the
    /// feed, starting where the stream is; false, with the end of the
    /// queue marked, when none is left.
    fn feed_from(&mut self, next: usize) -> bool {
        let Some((next, source)) = self.open_from(next) else {
            self.end_of_queue = Some(self.pushed);
            return false;
        };
        self.segments.push_back(Segment {
            index: next,
            start: self.pushed,
            offset: 0,
            started_at_ms: None,
            heard: 0,
            overlap: 0,
        });
        self.feed = Some((next, source));
        self.fade_frames = self.fade_for(next);
        true
    }

    /// The first entry from `next` on that opens, with its source; those
    /// that cannot be played are reported and passed over.
    fn open_from(&mut self, mut next: usize) -> Option<(usize, TrackSource)> {
        while next < self.queue.len() {
            match self.open(next) {
                Ok(source) => return Some((next, source)),
                Err(message) => {
                    tracing::warn!(%message, "skipping a track that cannot be played");
                    self.error = Some(message);
                    next += 1;
                }
            }
        }
        None
    }

    /// Moves heard frames to the audible segment, closes segments the
    /// listener has passed, and notices the end of the queue.
    fn account(&mut self) {
        let cursor = self.output.shared.cursor.load(Ordering::Acquire);
        let heard = self.output.shared.heard.load(Ordering::Acquire);
        let delta = heard.saturating_sub(self.heard_seen);
        self.heard_seen = heard;
        if let Some(front) = self.segments.front_mut() {
            front.heard += delta;
        }
        // In a crossfade the next track sounds from its start on, while
        // the front plays out: both count what is heard.
        let rate = self.rate().max(1);
        if let Some(next) = self.segments.get_mut(1) {
            if next.overlap > 0 && cursor > next.start {
                let into = cursor - next.start;
                next.heard += delta.min(into);
                if next.started_at_ms.is_none() {
                    next.started_at_ms = Some(now_ms() - (into.saturating_mul(1000) / rate) as i64);
                }
            }
        }
        let mut changed = false;
        while self.segments.len() >= 2
            && cursor >= self.segments[1].start + self.segments[1].overlap
        {
            self.end_front(EndReason::Finished);
            if let Some(front) = self.segments.front_mut() {
                if front.started_at_ms.is_none() {
                    front.started_at_ms = Some(now_ms());
                }
            }
            changed = true;
        }
        if let Some(end) = self.end_of_queue {
            if cursor >= end && !self.segments.is_empty() {
                self.end_front(EndReason::Finished);
                self.end_of_queue = None;
                self.status = Status::Stopped;
                changed = true;
            }
        }
        if changed {
            self.publish();
        }
    }

    /// Position in the audible track.
    fn position_ms(&self) -> u64 {
        let Some(front) = self.segments.front() else {
            return 0;
        };
        let cursor = self.output.shared.cursor.load(Ordering::Acquire);
        self.frames_to_ms(cursor.saturating_sub(front.start) + front.offset)
    }

    /// Ends the audible play with `reason` and reports it. For a skip or a
    /// stop, the stream is dropped too.
    fn end_front(&mut self, reason: EndReason) {
        let position = self.position_ms();
        let Some(front) = self.segments.pop_front() else {
            if reason != EndReason::Finished {
                self.status = Status::Stopped;
            }
            return;
        };
        let track = &self.queue[front.index];
        let duration_ms = track.duration_ms;
        let end_position_ms = match (reason, duration_ms) {
            (EndReason::Finished, Some(duration)) => duration,
            _ => position,
        };
        let play = NewPlay {
            track_id: track.id,
            artist: track.artist.clone(),
            title: track.title.clone(),
            started_at_ms: front.started_at_ms.unwrap_or_else(now_ms),
            listened_ms: self.frames_to_ms(front.heard),
            end_reason: reason,
            end_position_ms: Some(end_position_ms),
            duration_ms,
            source: self.context.source,
            playlist_id: self.context.playlist_id,
            imported_from: None,
        };
        tracing::debug!(title = %play.title, reason = reason.as_str(), position = end_position_ms, "play ended");
        (self.on_event)(PlayerEvent::PlayEnded(play));
        if reason != EndReason::Finished {
            self.reset_stream();
            self.status = Status::Stopped;
            // Remember where we were, so Play resumes the queue there.
            self.resume_index = Some(front.index);
        }
    }

    fn publish(&mut self) {
        self.last_tick = Instant::now();
        let front = self.segments.front();
        let track = front.map(|s| self.queue[s.index].clone());
        let state = PlayerState {
            status: self.status,
            duration_ms: track.as_ref().and_then(|t| t.duration_ms),
            track,
            position_ms: self.position_ms(),
            queue_index: front.map(|s| s.index).or(self.resume_index),
            queue_len: self.queue.len(),
            volume: self.output.shared.volume(),
            normalization: self.normalization,
            automix: self.automix,
            context: self.context,
            output: self.output.description.clone(),
            error: self.error.clone(),
        };
        if let Ok(mut shared) = self.state.lock() {
            *shared = state.clone();
        }
        (self.on_event)(PlayerEvent::State(state));
    }
}
