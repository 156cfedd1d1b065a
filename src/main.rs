//! The `dbdeck` binary: parse the command line and hand off to the library.

use clap::Parser as _;

fn main() -> color_eyre::Result<()> {
    let cli = dbdeck::cli::Cli::parse();
    dbdeck::app::run(cli)
}
