//! The build-script pattern for exporting an app's manifest without running the app.
//!
//! A build script cannot use the library of its own package, so the settings live in the app's
//! crate (`pixel`) and this deployment crate names it as a build dependency. The script writes
//! `$OUT_DIR/shoporama-manifest.json`; `src/main.rs` embeds it, and CI can ship it as an
//! artifact (`cargo run -p pixel-deploy -- dist/manifest.json`). Cargo re-runs the script when
//! the app's settings change, because `pixel` is a dependency of it.

use std::path::PathBuf;

use shoporama_app::AppSettings;

fn main() {
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        println!("cargo::error=OUT_DIR is not set: run this through cargo");
        return;
    };
    let manifest = pixel::Settings::manifest();
    let check = shoporama_app::cli::check_manifest(&manifest);
    for problem in check.errors {
        println!("cargo::error={problem}");
    }
    for warning in check.warnings {
        println!("cargo::warning={warning}");
    }
    let path = out_dir.join("shoporama-manifest.json");
    if let Err(error) = manifest.write_json(&path) {
        println!("cargo::error=cannot write {}: {error}", path.display());
    }
}
