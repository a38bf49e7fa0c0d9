//! The layers hold (docs/ARCHITECTURE.md): the runtime core imports no feature. Features and
//! adapters build on the core; only the composition root (`app.rs`) knows every feature.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The runtime core and the small leaf modules it is built from.
const CORE: &[&str] = &[
    "clock",
    "config",
    "db",
    "error",
    "events",
    "ids",
    "jobs",
    "limits",
    "metrics",
    "outbound",
    "pagination",
    "realtime",
    "secret",
    "state",
    "storage",
    "text_enum",
    "visibility",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a file's code names through `crate::`.
fn references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::X, b, c::{d, e}}`: the first segment of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        found.insert(identifier(&group[i..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(identifier(rest).to_owned());
        }
    }
    found
}

/// For each top-level module of `src/`, the other top-level modules its code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let names = graph.entry(module.clone()).or_default();
        names.extend(
            references(&code(&text))
                .into_iter()
                .filter(|m| *m != module),
        );
    }
    graph
}

#[test]
fn the_runtime_core_imports_no_feature() {
    let graph = imports();
    // The scan itself works: the state holds the job registry, and a feature uses the core.
    assert!(graph["state"].contains("jobs"), "{:?}", graph["state"]);
    assert!(
        graph["conversations"].contains("events"),
        "{:?}",
        graph["conversations"]
    );
    let mut offences = Vec::new();
    for module in CORE {
        let names = graph
            .get(*module)
            .unwrap_or_else(|| panic!("no module {module} in src/"));
        for name in names.iter().filter(|n| graph.contains_key(*n)) {
            if !CORE.contains(&name.as_str()) {
                offences.push(format!("{module} → {name}"));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "core modules import features (move the type into the core, or wire it in app.rs): {offences:?}"
    );
}

#[test]
fn the_scan_reads_grouped_imports_and_skips_comments() {
    let code = code(
        "use crate::{accounts::model::Role, jobs, roles::{self, Permission}};\n\
         // crate::webhooks in a comment\n\
         let x = crate::events::record;\n\
         #[cfg(test)]\nmod tests { use crate::web; }",
    );
    assert_eq!(
        references(&code),
        ["accounts", "events", "jobs", "roles"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}
