//! The terminal UI. OWNER NOTE: placeholder until the TUI lands.

use std::sync::Arc;

use crate::service::Service;

/// Runs the TUI until the user quits, restoring the terminal on every path.
pub async fn run(service: Arc<Service>, url: Option<String>) -> color_eyre::Result<()> {
    let _ = (service, url);
    Ok(())
}
