//! The layer check: every module of `shoporama-app` imports only modules below it, in the
//! order that ARCHITECTURE.md gives (its ```` ```layers ```` block, lowest first).
//!
//! What counts as an import: every `crate::…` path in code (`use crate::x::Y`, `use
//! crate::{x::Y, z}`, `crate::x::f()` inline, `$crate::x` in macros), test modules included,
//! except that a test module (`#[cfg(test)] mod …`) may use `testing`, the test support.
//! Comments are not read, so intra-doc links (`[`X`](crate::server::X)`) may point anywhere:
//! they cost nothing at compile time and let a lower module name who uses it. A name the crate
//! root re-exports (`crate::AppRuntime`) or a `#[macro_export]` macro (`crate::with_backend!`)
//! counts as the module that defines it; external crates re-exported by the root
//! (`crate::sqlx`) are below everything. The crate root (`lib.rs`) and binaries are not
//! checked: the root declares and re-exports every layer.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// One import of a higher layer, or a module the order does not place.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    /// The file, relative to `shoporama-app/src`.
    file: String,
    /// 1-based.
    line: usize,
    /// The importing module.
    from: String,
    /// The imported module, or the unplaced name.
    to: String,
    /// Why it is wrong.
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `from` (at layer `.0`) imports `to` (at layer `.1`, higher).
    Upward(usize, usize),
    /// `from` is a module the order does not name.
    Unplaced,
    /// `crate::to` names nothing the check can place.
    Unknown,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            file,
            line,
            from,
            to,
            ..
        } = self;
        match self.kind {
            Kind::Upward(low, high) => write!(
                f,
                "src/{file}:{line}: `{from}` (layer {low}) imports `{to}` (layer {high}), a higher layer"
            ),
            Kind::Unplaced => write!(
                f,
                "src/{file}:{line}: module `{from}` has no place in ARCHITECTURE.md's layers block"
            ),
            Kind::Unknown => write!(
                f,
                "src/{file}:{line}: `{from}` names `crate::{to}`, which is no module, root re-export or exported macro"
            ),
        }
    }
}

/// The layers block of ARCHITECTURE.md: one module a line, lowest first.
fn read_order(architecture: &str) -> Result<Vec<String>, String> {
    let start = architecture
        .find("```layers\n")
        .ok_or("ARCHITECTURE.md has no ```layers block")?
        + "```layers\n".len();
    let end = architecture[start..]
        .find("```")
        .ok_or("ARCHITECTURE.md's layers block is not closed")?;
    let order: Vec<String> = architecture[start..start + end]
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if order.is_empty() {
        return Err("ARCHITECTURE.md's layers block is empty".to_owned());
    }
    Ok(order)
}

/// `text` with comments and the insides of string and character literals blanked (line
/// structure kept), so nothing in them counts.
fn strip_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && !after_ident && matches!(next, Some('"' | '#')) {
            // A raw string: r"…", r#"…"#, …
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            out.push('r');
            out.push_str(&"#".repeat(hashes));
            out.push('"');
            i += 2 + hashes;
            while i < chars.len() && !chars[i..].starts_with(&closing.chars().collect::<Vec<_>>()) {
                blank(&mut out, chars[i]);
                i += 1;
            }
            out.push_str(&closing);
            i += closing.len();
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    blank(&mut out, c);
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            // '\n', '\'', '\u{…}'
            out.push('\'');
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `crate::NAME` in `code` (comments stripped), as `(byte offset, NAME)`; a group
/// `crate::{a::X, b}` gives one entry per item.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        if code[..start].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let rest = &code[from..];
        if rest.starts_with('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (offset, c) in rest.char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        item_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && is_ident(c) => {
                        let name: String = rest[offset..]
                            .chars()
                            .take_while(|&c| is_ident(c))
                            .collect();
                        found.push((from + offset, name));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                found.push((from, name));
            }
        }
    }
    found
}

/// What `crate::NAME` stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Module(String),
    /// An external crate the root re-exports: below every layer.
    Outside,
    /// What the root defines itself (the prelude, its macros): above every layer.
    Root,
}

/// The crate's modules (name → file or folder, relative to src) and what each other name
/// at the crate root stands for.
struct Crate {
    /// Module name → the path prefix its files have (`store/`, `secret.rs`, `private.rs`).
    modules: Vec<(String, Vec<String>)>,
    names: BTreeMap<String, Target>,
}

impl Crate {
    fn read(files: &BTreeMap<String, String>) -> Crate {
        let raw_lib = files.get("lib.rs").map_or("", String::as_str);
        let lib = strip_comments(raw_lib);
        let mut modules = Vec::new();
        let mut path_attr: Option<String> = None;
        // Module declarations from the raw text (`#[path = "…"]` is a string).
        for line in raw_lib
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//"))
        {
            if let Some(path) = line.strip_prefix("#[path = \"") {
                path_attr = path.split('"').next().map(str::to_owned);
                continue;
            }
            let decl = ["pub mod ", "pub(crate) mod ", "mod "]
                .iter()
                .find_map(|prefix| line.strip_prefix(prefix));
            if let Some(name) = decl.and_then(|decl| decl.strip_suffix(';')) {
                let prefixes = match path_attr.take() {
                    Some(path) => vec![path],
                    None => vec![format!("{name}.rs"), format!("{name}/")],
                };
                modules.push((name.to_owned(), prefixes));
            } else if !line.starts_with("#[") {
                path_attr = None;
            }
        }
        let mut names = BTreeMap::new();
        for (offset, first) in lib.match_indices("pub use ").map(|(at, _)| {
            let rest = &lib[at + "pub use ".len()..];
            let first: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            (at + "pub use ".len() + first.len(), first)
        }) {
            let first = first.trim_start_matches("crate").to_owned();
            let end = lib[offset..]
                .find(';')
                .map_or(lib.len(), |end| offset + end);
            let target = if modules.iter().any(|(name, _)| *name == first) {
                Target::Module(first.clone())
            } else {
                Target::Outside
            };
            let items = &lib[offset..end];
            if items.trim().is_empty() {
                names.insert(first, Target::Outside);
                continue;
            }
            for item in items.split([',', '{', '}']) {
                let last = item.rsplit([':', ' ']).find(|part| !part.trim().is_empty());
                if let Some(last) = last
                    .map(str::trim)
                    .filter(|last| last.chars().all(is_ident))
                {
                    names
                        .entry(last.to_owned())
                        .or_insert_with(|| target.clone());
                }
            }
        }
        // What the root defines itself (the prelude, its macros) is above every layer.
        for line in lib.lines().map(str::trim) {
            for prefix in ["pub mod ", "macro_rules! "] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
                    names.insert(name, Target::Root);
                }
            }
        }
        let mut krate = Crate { modules, names };
        for (file, text) in files {
            let Some(module) = krate.module_of(file) else {
                continue;
            };
            let code = strip_comments(text);
            let mut lines = code.lines().map(str::trim);
            while let Some(line) = lines.next() {
                if line.starts_with("#[macro_export") {
                    let defined = lines.find_map(|line| line.strip_prefix("macro_rules! "));
                    if let Some(rest) = defined {
                        let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
                        krate.names.insert(name, Target::Module(module.clone()));
                    }
                }
            }
        }
        krate
    }

    fn module_of(&self, file: &str) -> Option<String> {
        self.modules
            .iter()
            .find(|(_, prefixes)| {
                prefixes.iter().any(|prefix| {
                    file == prefix || (prefix.ends_with('/') && file.starts_with(prefix.as_str()))
                })
            })
            .map(|(name, _)| name.clone())
    }

    fn resolve(&self, name: &str) -> Option<Target> {
        if name == "self" || name == "super" {
            return None;
        }
        if self.modules.iter().any(|(module, _)| module == name) {
            return Some(Target::Module(name.to_owned()));
        }
        self.names.get(name).cloned()
    }
}

/// The module that test code anywhere may import: the crate's test support.
const TEST_SUPPORT: &str = "testing";

/// The byte ranges of `code` (comments stripped) that are test modules: a `mod name { … }`
/// under an attribute `#[cfg(…)]` that names `test` (`#[cfg(test)]`, `#[cfg(all(test, …))]`).
fn test_modules(code: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("#[cfg(") {
        let start = from + at;
        from = start + "#[cfg(".len();
        let Some(close) = code[from..].find(")]") else {
            break;
        };
        let condition = &code[from..from + close];
        let names_test = condition
            .split(|c: char| !is_ident(c))
            .any(|word| word == "test");
        if condition.starts_with("not") || !names_test {
            continue;
        }
        // The item the attribute is on, past any further attributes: a module with a body.
        let mut rest = code[from + close + 2..].trim_start();
        while rest.starts_with("#[") {
            rest = rest
                .find(']')
                .map_or("", |end| rest[end + 1..].trim_start());
        }
        let rest = rest.strip_prefix("pub(crate) ").unwrap_or(rest);
        let Some(module) = rest.strip_prefix("mod ") else {
            continue;
        };
        let Some(open) = module
            .find(['{', ';'])
            .filter(|&i| module.as_bytes()[i] == b'{')
        else {
            continue;
        };
        let body = code.len() - module.len() + open;
        let mut depth = 0usize;
        for (offset, c) in code[body..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        ranges.push(start..body + offset + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    ranges
}

/// The check itself, over `files` (path relative to src → text).
fn check(files: &BTreeMap<String, String>, order: &[String]) -> Vec<Violation> {
    let krate = Crate::read(files);
    let layer = |module: &str| order.iter().position(|name| name == module);
    let mut violations = Vec::new();
    for (file, text) in files {
        let Some(module) = krate.module_of(file) else {
            continue;
        };
        let Some(own) = layer(&module) else {
            violations.push(Violation {
                file: file.clone(),
                line: 1,
                from: module.clone(),
                to: module.clone(),
                kind: Kind::Unplaced,
            });
            continue;
        };
        let code = strip_comments(text);
        let tests = test_modules(&code);
        for (offset, name) in crate_paths(&code) {
            let in_test = tests.iter().any(|range| range.contains(&offset));
            let line = code[..offset].matches('\n').count() + 1;
            let violation = |to: &str, kind| Violation {
                file: file.clone(),
                line,
                from: module.clone(),
                to: to.to_owned(),
                kind,
            };
            match krate.resolve(&name) {
                Some(Target::Outside) => {}
                Some(Target::Root) => {
                    violations.push(violation("the crate root", Kind::Upward(own, order.len())));
                }
                Some(Target::Module(target)) if target == module => {}
                Some(Target::Module(target)) if in_test && target == TEST_SUPPORT => {}
                Some(Target::Module(target)) => match layer(&target) {
                    Some(theirs) if theirs > own => {
                        violations.push(violation(&target, Kind::Upward(own, theirs)));
                    }
                    Some(_) => {}
                    None => violations.push(violation(&target, Kind::Unknown)),
                },
                None if name == "self" || name == "super" => {}
                None => violations.push(violation(&name, Kind::Unknown)),
            }
        }
    }
    violations
}

fn source_files(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
                files.insert(relative, text);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."))
        .to_path_buf()
}

fn real_order() -> Vec<String> {
    let path = workspace().join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    read_order(&text).unwrap_or_else(|error| panic!("{error}"))
}

fn real_files() -> BTreeMap<String, String> {
    source_files(&workspace().join("shoporama-app/src"))
}

fn report(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn modules_import_only_lower_layers() {
    let violations = check(&real_files(), &real_order());
    assert!(
        violations.is_empty(),
        "{} layer violation(s) (order in ARCHITECTURE.md):\n{}",
        violations.len(),
        report(&violations)
    );
}

#[test]
fn the_order_names_every_module_once() {
    let order = real_order();
    let krate = Crate::read(&real_files());
    let mut modules: Vec<&str> = krate
        .modules
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    modules.sort_unstable();
    let mut listed: Vec<&str> = order.iter().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed, modules,
        "ARCHITECTURE.md's layers block and lib.rs's modules differ"
    );
}

#[test]
fn a_planted_upward_import_fails_naming_file_line_and_layers() {
    let order = real_order();
    let mut files = real_files();
    let store = files.get_mut("store/mod.rs").expect("store/mod.rs exists");
    let line = store.lines().count() + 1;
    store.push_str("\n#[allow(unused_imports)]\nuse crate::server::AppRuntime;\n");
    let violations = check(&files, &order);
    let layer = |name: &str| {
        order
            .iter()
            .position(|module| module == name)
            .unwrap_or(usize::MAX)
    };
    assert_eq!(
        violations,
        [Violation {
            file: "store/mod.rs".to_owned(),
            line: line + 2,
            from: "store".to_owned(),
            to: "server".to_owned(),
            kind: Kind::Upward(layer("store"), layer("server")),
        }],
        "{}",
        report(&violations)
    );
    let message = violations[0].to_string();
    assert!(
        message.contains(&format!("src/store/mod.rs:{}", line + 2)),
        "{message}"
    );
    assert!(
        message.contains("`store`") && message.contains("`server`"),
        "{message}"
    );
}

#[test]
fn groups_inline_paths_root_reexports_and_macros_are_read_and_comments_are_not() {
    let order: Vec<String> = ["low", "high"].map(str::to_owned).into();
    let files: BTreeMap<String, String> = [
        (
            "lib.rs",
            "pub mod low;\n#[path = \"up.rs\"]\npub mod high;\npub use high::{Runtime, serve};\npub use sqlx;\n",
        ),
        ("up.rs", "#[macro_export]\nmacro_rules! with_high { () => {} }\n"),
        (
            "low/mod.rs",
            concat!(
                "//! See [`Runtime`](crate::high::Runtime) and crate::Runtime.\n",
                "use crate::{\n    low::Own,\n    high::Thing,\n};\n",
                "fn f() { let _ = crate::Runtime::new(); crate::with_high!(); crate::sqlx::query(\"crate::high\"); }\n",
                "/* crate::high::Hidden */ fn g() -> crate::nothing::X { loop {} }\n",
            ),
        ),
        ("low/deep.rs", "use super::Own;\nuse crate::low::Own as Same;\n"),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_owned(), text.to_owned()))
    .collect();
    let found: Vec<(usize, String, Kind)> = check(&files, &order)
        .into_iter()
        .map(|violation| (violation.line, violation.to, violation.kind))
        .collect();
    assert_eq!(
        found,
        [
            (4, "high".to_owned(), Kind::Upward(0, 1)),
            (6, "high".to_owned(), Kind::Upward(0, 1)),
            (6, "high".to_owned(), Kind::Upward(0, 1)),
            (7, "nothing".to_owned(), Kind::Unknown),
        ]
    );
}

#[test]
fn test_modules_may_use_the_test_support_and_nothing_else_above() {
    let order: Vec<String> = ["low", "server", "testing"].map(str::to_owned).into();
    let files: BTreeMap<String, String> = [
        (
            "lib.rs",
            "pub mod low;\npub mod server;\npub mod testing;\n",
        ),
        (
            "low.rs",
            concat!(
                "pub fn f() {}\n",
                "#[cfg(all(test, feature = \"postgres\"))]\n#[allow(unused)]\nmod tests {\n",
                "    fn g() { let _ = crate::testing::skip(); { crate::server::x(); } }\n",
                "}\n",
                "fn h() { crate::testing::skip(); }\n",
                "#[cfg(not(test))]\nmod other { fn i() { crate::testing::skip(); } }\n",
            ),
        ),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_owned(), text.to_owned()))
    .collect();
    let found: Vec<(usize, String)> = check(&files, &order)
        .into_iter()
        .map(|violation| (violation.line, violation.to))
        .collect();
    assert_eq!(
        found,
        [
            (5, "server".to_owned()),
            (7, "testing".to_owned()),
            (9, "testing".to_owned()),
        ]
    );
}

#[test]
fn a_module_without_a_layer_fails() {
    let mut files = real_files();
    let lib = files.get_mut("lib.rs").expect("lib.rs exists");
    lib.push_str("\nmod planted;\n");
    files.insert("planted.rs".to_owned(), "pub(crate) fn f() {}\n".to_owned());
    let violations = check(&files, &real_order());
    assert_eq!(violations.len(), 1, "{}", report(&violations));
    assert_eq!(violations[0].kind, Kind::Unplaced);
    assert!(
        violations[0].to_string().contains("`planted`"),
        "{}",
        violations[0]
    );
}
