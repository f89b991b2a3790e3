//! `playgenie feedback keep|remove`: what the app's ✓ and ✕ on a
//! suggestion do, through the same service: a kept track joins the
//! playlist, a removed one is never suggested for it again; both are
//! evidence for the next fine-tune.

use std::process::ExitCode;

use clap::ValueEnum;
use playgenie_core::db::Feedback;
use playgenie_core::service::training::{Due, FINE_TUNE_AFTER};
use playgenie_core::{Core, Services};

use super::Outcome;
use crate::output::shown;

#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    /// keep (add it to the playlist) or remove (never suggest it for this
    /// playlist again).
    #[arg(value_enum)]
    action: FeedbackAction,
    /// The playlist the suggestion was for (name or id).
    #[arg(long)]
    playlist: String,
    /// The suggested track's id (as `complete --json` prints it).
    track: i64,
    /// The model version that suggested it.
    #[arg(long)]
    model_version: Option<u32>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FeedbackAction {
    Keep,
    Remove,
}

impl FeedbackArgs {
    pub fn run(self, core: Core) -> Outcome {
        let playlist = core.db().find_playlist(&self.playlist)?;
        let feedback = match self.action {
            FeedbackAction::Keep => Feedback::Kept,
            FeedbackAction::Remove => Feedback::Removed,
        };
        let services = Services::quiet(core);
        services.record_feedback(playlist.id, self.track, feedback, self.model_version)?;
        println!(
            "{} track {} for \"{}\"",
            feedback.as_str(),
            self.track,
            shown(&playlist.name)
        );
        // The command ends here, so the fine-tune the app would start in
        // the background is offered instead.
        if services
            .training_due()
            .is_ok_and(|due| due == Due::FineTune)
        {
            eprintln!(
                "{FINE_TUNE_AFTER} or more pieces of new evidence since the model was saved: `playgenie train --auto` fine-tunes it"
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
