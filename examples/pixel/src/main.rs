//! `cargo run -p pixel` serves the pixel app (`SHOPORAMA_APP_TOKEN` required; SQLite in
//! `shoporama-app.db` by default); `cargo run -p pixel -- manifest` prints its manifest.

fn main() -> std::process::ExitCode {
    shoporama_app::run(pixel::Pixel::default())
}
