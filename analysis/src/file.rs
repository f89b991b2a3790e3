//! Opening a file a user named without ever blocking on it: only regular
//! files (or links to them) are opened. A FIFO, socket, device or folder is
//! refused *before* anything could block on it (the check is made on the
//! path, and again on the opened descriptor, which is opened non-blocking,
//! so even a FIFO swapped in between cannot hang the open).

use std::fs::{File, Metadata, OpenOptions};
use std::path::Path;

/// Why [`open_regular_file`] did not open a file.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// It exists but is a FIFO, socket, device or folder.
    #[error("it is {0}, not a regular file; PlayGenie reads only regular files")]
    NotRegular(&'static str),
}

/// For callers that speak `io::Error` (the fingerprint): a refusal becomes
/// an error of kind `InvalidInput` with the refusal's words.
impl From<OpenError> for std::io::Error {
    fn from(err: OpenError) -> Self {
        match err {
            OpenError::Io(io) => io,
            refused => std::io::Error::new(std::io::ErrorKind::InvalidInput, refused.to_string()),
        }
    }
}

/// What a file that is not a regular file is, in words ("a named pipe
/// (FIFO)", "a character device").
pub fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if (and only if) it is a regular file, or a
/// symbolic link to one; never blocks on what it refuses.
pub fn open_regular_file(path: &Path) -> Result<File, OpenError> {
    use std::os::unix::fs::OpenOptionsExt;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(kind_of(&meta)));
    }
    // Non-blocking, so that a FIFO put in its place after the check still
    // cannot block the open; for a regular file the flag changes nothing.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(kind_of(&meta)));
    }
    Ok(file)
}
