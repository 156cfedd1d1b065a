//! The built `dbdeck` binary as a command, with its registry, config, data
//! and logs in a temporary home so it never touches the user's files.

use std::path::Path;
use std::process::Command;

/// `dbdeck` set up to keep everything under `home`.
pub fn dbdeck(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbdeck"));
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("DBDECK_REGISTRY")
        .env_remove("DBDECK_SECRET_KEY");
    command
}

/// Runs `dbdeck ARGS` and returns its standard output, failing the test
/// with its standard error if it did not succeed.
pub fn run_ok(home: &Path, args: &[&str]) -> String {
    let output = dbdeck(home).args(args).output().expect("run dbdeck");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dbdeck {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}
