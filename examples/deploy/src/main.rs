//! Writes the pixel app's manifest, produced at build time by `build.rs`, to a file or stdout:
//! `cargo run -p pixel-deploy -- dist/manifest.json`.

use std::process::ExitCode;

/// The manifest JSON the build script wrote.
const MANIFEST: &str = include_str!(concat!(env!("OUT_DIR"), "/shoporama-manifest.json"));

fn main() -> ExitCode {
    match std::env::args_os().nth(1) {
        None => {
            println!("{MANIFEST}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(&path, MANIFEST) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!(
                    "error: cannot write {}: {error}",
                    std::path::Path::new(&path).display()
                );
                ExitCode::FAILURE
            }
        },
    }
}
