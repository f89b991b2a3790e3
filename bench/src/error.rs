//! What can stop a benchmark: the core failed, a data file is malformed
//! (named by file and line), or a run could not complete.

pub use playgenie_core::Error as CoreError;

pub use crate::data::DataError;

/// A benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A benchmark data file is missing or malformed (names file and line).
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("benchmark: {0}")]
    Failed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
