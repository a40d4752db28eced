//! Rendering snippet Smarty: with the real engine (PHP and Smarty 4) when the machine has it,
//! else with a built-in interpreter of the subset snippets use.

mod builtin;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The PHP harness that renders with Smarty 4 (also used by the test suite).
const HARNESS: &str = include_str!("../../../tests/smarty/render.php");

/// Where Debian's `smarty4` package installs Smarty.
pub const DEBIAN_SMARTY4: &str = "/usr/share/php/smarty4/Smarty.class.php";

/// One template to render, with its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderJob {
    /// Smarty source, delimiters `<{ }>`.
    pub template: String,
    /// Template variables: `app_vars` (an object of the settings' raw values) and page objects.
    /// A JSON object `{"$object": {"getName": "…"}}` is a template object whose methods
    /// return those values, as Shoporama's `Safe*` objects do; other objects are arrays.
    pub vars: Map<String, Value>,
}

impl RenderJob {
    /// A job rendering `template` with `vars`.
    pub fn new(template: impl Into<String>, vars: Map<String, Value>) -> Self {
        Self {
            template: template.into(),
            vars,
        }
    }
}

/// The result of one [`RenderJob`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The output, or Smarty's error (a compile error, an exception while rendering).
    pub output: Result<String, String>,
    /// PHP notices, warnings and deprecations raised while compiling and rendering (the
    /// built-in engine reports none).
    pub notices: Vec<String>,
}

/// The harness's answer.
#[derive(Deserialize)]
struct Answer {
    results: Vec<HarnessResult>,
}

/// One result as the harness prints it.
#[derive(Deserialize)]
struct HarnessResult {
    output: Option<String>,
    error: Option<String>,
    #[serde(default)]
    notices: Vec<String>,
}

impl From<HarnessResult> for Rendered {
    fn from(raw: HarnessResult) -> Self {
        let output = match (raw.output, raw.error) {
            (_, Some(error)) => Err(error),
            (Some(output), None) => Ok(output),
            (None, None) => {
                Err("the Smarty harness returned neither output nor an error".to_owned())
            }
        };
        Self {
            output,
            notices: raw.notices,
        }
    }
}

/// Running the real engine failed (not a template error: those are in [`Rendered::output`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// `php` could not be started or fed.
    #[error("could not run `{php}`: {source}")]
    Spawn {
        /// The PHP binary.
        php: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `php` exited with an error (a fatal error in the harness, Smarty missing).
    #[error("`{php}` failed ({status}): {stderr}")]
    Failed {
        /// The PHP binary.
        php: PathBuf,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed on stderr and stdout.
        stderr: String,
    },
    /// The harness printed something that is not its JSON answer.
    #[error("unreadable answer from the Smarty harness: {0}")]
    Answer(String),
}

/// The real Smarty 4 engine: a `php` binary and `Smarty.class.php`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartyEngine {
    php: PathBuf,
    smarty: PathBuf,
}

impl SmartyEngine {
    /// An engine running `php` with the Smarty class at `smarty`.
    pub fn new(php: impl Into<PathBuf>, smarty: impl Into<PathBuf>) -> Self {
        Self {
            php: php.into(),
            smarty: smarty.into(),
        }
    }

    /// The engine of this machine, if it has one: `$SHOPORAMA_PHP` (default `php` on the
    /// `PATH`) and `$SHOPORAMA_SMARTY` (default Debian's smarty4, [`DEBIAN_SMARTY4`]).
    pub fn detect() -> Option<Self> {
        let php =
            std::env::var_os("SHOPORAMA_PHP").map_or_else(|| PathBuf::from("php"), PathBuf::from);
        let smarty = std::env::var_os("SHOPORAMA_SMARTY")
            .map_or_else(|| PathBuf::from(DEBIAN_SMARTY4), PathBuf::from);
        if !smarty.is_file() {
            return None;
        }
        let runs = Command::new(&php)
            .args(["-r", "exit(extension_loaded('mbstring') ? 0 : 3);"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        runs.then_some(Self { php, smarty })
    }

    /// The PHP binary.
    pub fn php(&self) -> &Path {
        &self.php
    }

    /// The Smarty class file.
    pub fn smarty(&self) -> &Path {
        &self.smarty
    }

    /// Renders every job in one `php` process, in order.
    pub fn render(&self, jobs: &[RenderJob]) -> Result<Vec<Rendered>, EngineError> {
        let renders: Vec<Value> = jobs
            .iter()
            .map(|job| json!({"template": job.template, "vars": job.vars}))
            .collect();
        let input = json!({"smarty": self.smarty, "renders": renders}).to_string();
        let code = HARNESS
            .trim_start()
            .strip_prefix("<?php")
            .unwrap_or(HARNESS);
        let spawn_error = |source| EngineError::Spawn {
            php: self.php.clone(),
            source,
        };
        let mut child = Command::new(&self.php)
            .args([
                "-d",
                "display_errors=stderr",
                "-d",
                "memory_limit=512M",
                "-r",
                code,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).map_err(spawn_error)?;
        }
        let output = child.wait_with_output().map_err(spawn_error)?;
        if !output.status.success() {
            let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            stderr.push_str(&String::from_utf8_lossy(&output.stdout));
            return Err(EngineError::Failed {
                php: self.php.clone(),
                status: output.status,
                stderr,
            });
        }
        let answer: Answer = serde_json::from_slice(&output.stdout).map_err(|e| {
            let shown: String = String::from_utf8_lossy(&output.stdout)
                .chars()
                .take(500)
                .collect();
            EngineError::Answer(format!("{e}: {shown}"))
        })?;
        if answer.results.len() != jobs.len() {
            return Err(EngineError::Answer(format!(
                "{} results for {} templates",
                answer.results.len(),
                jobs.len()
            )));
        }
        Ok(answer.results.into_iter().map(Rendered::from).collect())
    }
}

/// Which engine renders.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// The real Smarty 4.
    Smarty(SmartyEngine),
    /// The built-in interpreter of the subset snippets use (see its limits in the
    /// [module docs](crate::snippet#previews)).
    Builtin,
}

impl Engine {
    /// The real engine when this machine has it, else the built-in one.
    pub fn detect() -> Self {
        SmartyEngine::detect().map_or(Self::Builtin, Self::Smarty)
    }

    /// A short description: `Smarty 4 (php)` or `built-in`.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Smarty(_) => "Smarty 4 via php",
            Self::Builtin => {
                "the built-in Smarty subset (install php-cli and smarty4 for the real engine)"
            }
        }
    }

    /// Renders every job, in order.
    pub fn render(&self, jobs: &[RenderJob]) -> Result<Vec<Rendered>, EngineError> {
        match self {
            Self::Smarty(engine) => engine.render(jobs),
            Self::Builtin => Ok(jobs
                .iter()
                .map(|job| Rendered {
                    output: builtin::render(&job.template, &job.vars),
                    notices: Vec::new(),
                })
                .collect()),
        }
    }
}
