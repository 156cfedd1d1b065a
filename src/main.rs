//! The `dbdeck` binary: parse the command line and hand off to the library.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = dbdeck::cli::Cli::parse();
    match dbdeck::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            // A user's mistake or an unreachable server gets a plain message;
            // panics (our bugs) still get color-eyre's full report.
            eprintln!("error: {report:#}");
            ExitCode::FAILURE
        }
    }
}
