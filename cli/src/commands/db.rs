//! `playgenie db check|backup|restore`. These work on the database file
//! itself: restoring must work exactly when the database cannot be opened.

use std::process::ExitCode;

use clap::Subcommand;
use playgenie_core::{db, AppPaths, Db};

use super::Outcome;
use crate::output::shown;

#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    action: DbAction,
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Run SQLite's full integrity check on the database.
    Check,
    /// Copy the database to its backup file now (after the same check).
    Backup,
    /// Replace a damaged database with its last good copy (made after
    /// each scan); the damaged file is kept beside it.
    Restore,
}

impl DbArgs {
    pub fn run(self) -> Outcome {
        let paths = AppPaths::from_env()?;
        match self.action {
            DbAction::Restore => {
                let kept = db::restore_backup(&paths.database)?;
                println!(
                    "restored {} from its backup; the file it replaced is kept as {}",
                    paths.database.display(),
                    kept.display()
                );
            }
            DbAction::Check => {
                let db = Db::open(&paths.database)?;
                db.check_integrity()?;
                let problems = db.full_integrity_check()?;
                if problems.is_empty() {
                    println!("{}: ok", paths.database.display());
                } else {
                    for p in &problems {
                        println!("{}", shown(p));
                    }
                    eprintln!("playgenie: the database is damaged; `playgenie db restore` puts back the last good copy");
                    return Ok(ExitCode::FAILURE);
                }
            }
            DbAction::Backup => {
                let db = Db::open(&paths.database)?;
                let backup = db.backup()?;
                println!("backed up to {}", backup.display());
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
