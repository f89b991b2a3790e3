//! Logging setup shared by the CLI and the app: `tracing` to stderr,
//! filtered by `RUST_LOG` (default: PlayGenie at info, everything else at
//! warn, so wgpu's chatter stays out of a person's terminal).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber and the panic hook
/// ([`crate::error::install_panic_hook`]). Safe to call more than once.
pub fn init(verbose: bool) {
    crate::error::install_panic_hook();
    let default = if verbose {
        "playgenie=debug,playgenie_models=debug,playgenie_app=debug,warn"
    } else {
        // wgpu's GL backend logs an error on every machine without an EGL
        // driver even when Vulkan serves; the backend choice logs the outcome.
        "playgenie=info,playgenie_models=info,playgenie_app=info,wgpu_hal::gles=off,warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
