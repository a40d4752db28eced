//! The manifest the build script wrote is the app's manifest.

use shoporama_app::AppSettings;

#[test]
fn the_build_script_writes_the_apps_manifest() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pixel-deploy"))
        .output()
        .expect("runs");
    assert!(output.status.success());
    let written: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let expected = serde_json::to_value(pixel::Settings::manifest()).expect("serialises");
    assert_eq!(written, expected);

    let dir = std::env::temp_dir().join(format!("pixel-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("manifest.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_pixel-deploy"))
        .arg(&file)
        .status()
        .expect("runs");
    assert!(status.success());
    let from_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("written")).expect("JSON");
    assert_eq!(from_file, expected);
    let _ = std::fs::remove_dir_all(dir);
}
