//! The hand-written scanner that finds well-formed placeholders in template text.
//!
//! One forward pass: the scanner looks for the next `{{` or backtick, tries to parse a placeholder
//! at a `{{` and skips code spans at a backtick. Every byte is looked at a bounded number of times
//! (see [`Scanner`]), so scanning is linear in the length of the text whatever it contains.

/// A well-formed placeholder: its byte span in the template and its borrowed parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Found<'a> {
    /// Byte offset of the opening `{{`.
    pub start: usize,
    /// Byte offset just past the closing `}}`.
    pub end: usize,
    /// The dotted path, e.g. `contact.first_name`.
    pub path: &'a str,
    /// The text between the quotes of a `|| '…'` or `| default: '…'` fallback.
    pub fallback: Option<&'a str>,
}

/// A maximal run of backticks.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: usize,
    len: usize,
}

/// Iterates over the well-formed placeholders of a template, left to right, outside code spans.
///
/// Linear time: the search for the next `{` or backtick never goes back; a failed parse at a `{{`
/// resumes one byte later, and the only `{` a failed parse can have stepped over lie inside a
/// quoted fallback, whose scan stops at the next quote of the same kind or line break (so each
/// byte is inside at most one scan per quote kind). A code span's closing run is found through a
/// table built once, not by searching again for every opening run.
pub(super) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    runs: Vec<Run>,
    /// For each run, the index of the next run of the same length, if any.
    next_same: Vec<Option<usize>>,
}

impl<'a> Scanner<'a> {
    /// A scanner over `text`, starting at its beginning.
    pub fn new(text: &'a str) -> Self {
        let runs = backtick_runs(text);
        let next_same = next_same_length(&runs);
        Self {
            text,
            pos: 0,
            runs,
            next_same,
        }
    }

    /// The end of the code span opened by the backtick run starting at `at`: past the next run
    /// of the same length, or past the opening run itself when nothing closes it (an unmatched
    /// run of backticks is plain text, as in Markdown).
    fn skip_code_span(&self, at: usize) -> usize {
        match self.runs.binary_search_by_key(&at, |run| run.start) {
            Ok(index) => match self.next_same[index] {
                Some(close) => self.runs[close].start + self.runs[close].len,
                None => at + self.runs[index].len,
            },
            // Every backtick the top-level search stops at starts a run (runs are maximal and
            // the search never resumes inside one); stepping one byte keeps going regardless.
            Err(_) => at + 1,
        }
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Found<'a>;

    fn next(&mut self) -> Option<Found<'a>> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            let Some(offset) = bytes[self.pos..]
                .iter()
                .position(|&b| b == b'{' || b == b'`')
            else {
                self.pos = bytes.len();
                return None;
            };
            let at = self.pos + offset;
            if bytes[at] == b'`' {
                self.pos = self.skip_code_span(at);
                continue;
            }
            if bytes.get(at + 1) == Some(&b'{')
                && let Some(found) = parse_at(self.text, at)
            {
                self.pos = found.end;
                return Some(found);
            }
            // Resuming at the next byte (not past the `{{`) lets `{{{ a }}` find `{{ a }}`.
            self.pos = at + 1;
        }
        None
    }
}

/// Every maximal run of backticks in `text`, in order.
fn backtick_runs(text: &str) -> Vec<Run> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'`' {
                i += 1;
            }
            runs.push(Run {
                start,
                len: i - start,
            });
        } else {
            i += 1;
        }
    }
    runs
}

/// For each run, the index of the next run with the same length.
fn next_same_length(runs: &[Run]) -> Vec<Option<usize>> {
    let mut next = vec![None; runs.len()];
    let mut last_seen: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (index, run) in runs.iter().enumerate().rev() {
        next[index] = last_seen.insert(run.len, index);
    }
    next
}

/// Parses a placeholder whose `{{` starts at byte `at`; `None` when it is not well formed.
///
/// Grammar (`ws` is any Unicode whitespace, line breaks included):
/// `{{ ws* path ws* ( "}}" | "||" ws* quoted ws* "}}" | "|" ws* "default" ws* ":" ws* quoted ws* "}}" )`
fn parse_at(text: &str, at: usize) -> Option<Found<'_>> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(text, at + 2);
    let path_start = i;
    i = path_end(bytes, i)?;
    let path = &text[path_start..i];
    i = skip_ws(text, i);
    let rest = &bytes[i..];
    let fallback = if rest.starts_with(b"}}") {
        None
    } else if rest.starts_with(b"||") {
        let (fallback, after) = quoted(text, skip_ws(text, i + 2))?;
        i = after;
        Some(fallback)
    } else if rest.starts_with(b"|") {
        i = skip_ws(text, i + 1);
        i = expect(bytes, i, b"default")?;
        i = skip_ws(text, i);
        i = expect(bytes, i, b":")?;
        let (fallback, after) = quoted(text, skip_ws(text, i))?;
        i = after;
        Some(fallback)
    } else {
        return None;
    };
    if fallback.is_some() {
        i = skip_ws(text, i);
    }
    let end = expect(bytes, i, b"}}")?;
    Some(Found {
        start: at,
        end,
        path,
        fallback,
    })
}

/// Whether `b` may appear in a path segment.
pub(super) fn is_segment_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whether `path` is one or more non-empty segments of `[A-Za-z0-9_-]` joined by dots.
pub(super) fn is_valid_path(path: &str) -> bool {
    path_end(path.as_bytes(), 0) == Some(path.len())
}

/// The end of the path starting at `i`, or `None` when there is no well-formed path there
/// (an empty segment: nothing, a leading, trailing or doubled dot).
fn path_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let segment_start = i;
        while i < bytes.len() && is_segment_byte(bytes[i]) {
            i += 1;
        }
        if i == segment_start {
            return None;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
        } else {
            return Some(i);
        }
    }
}

/// The first byte at or after `i` that is not whitespace.
fn skip_ws(text: &str, i: usize) -> usize {
    match text.get(i..) {
        Some(rest) => rest
            .char_indices()
            .find(|(_, c)| !c.is_whitespace())
            .map_or(text.len(), |(offset, _)| i + offset),
        None => i,
    }
}

/// The position past `word` when the bytes at `i` are `word`.
fn expect(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    bytes
        .get(i..)
        .filter(|rest| rest.starts_with(word))
        .map(|_| i + word.len())
}

/// A quoted string starting at `i` (single or double quotes, no escapes, no line breaks): its
/// contents and the position past the closing quote.
fn quoted(text: &str, i: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(i)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let body = i + 1;
    // Quotes and line breaks are ASCII, so any byte found here is a char boundary.
    let close = body
        + bytes[body..]
            .iter()
            .position(|&b| b == quote || b == b'\n' || b == b'\r')?;
    (bytes[close] == quote).then(|| (&text[body..close], close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Option<&str>)> {
        Scanner::new(text).map(|f| (f.path, f.fallback)).collect()
    }

    #[test]
    fn spans_cover_the_placeholder_exactly() {
        let text = "a {{ x || 'y' }} b";
        let f = Scanner::new(text).next().expect("a placeholder");
        assert_eq!(&text[f.start..f.end], "{{ x || 'y' }}");
    }

    #[test]
    fn valid_paths() {
        for ok in ["a", "a.b", "contact.custom_attribute.plano-2024", "_-9"] {
            assert!(is_valid_path(ok), "{ok}");
        }
        for bad in ["", ".", "a.", ".a", "a..b", "a b", "a/b", "á", "a.b!"] {
            assert!(!is_valid_path(bad), "{bad}");
        }
    }

    #[test]
    fn backtick_table_pairs_runs_of_equal_length() {
        let runs = backtick_runs("` `` ` ```");
        let lens: Vec<usize> = runs.iter().map(|r| r.len).collect();
        assert_eq!(lens, [1, 2, 1, 3]);
        assert_eq!(next_same_length(&runs), [Some(2), None, None, None]);
    }

    #[test]
    fn unmatched_run_is_plain_text_and_scanning_goes_on() {
        assert_eq!(found("`` {{ a }} `"), [("a", None)]);
    }

    #[test]
    fn line_break_ends_a_quoted_fallback() {
        assert_eq!(found("{{ a || 'x\n' }}"), []);
        assert_eq!(found("{{ a || \"x\r\" }}"), []);
    }

    #[test]
    fn whitespace_may_include_line_breaks_outside_quotes() {
        assert_eq!(found("{{\n a \n||\n'b'\n}}"), [("a", Some("b"))]);
    }

    #[test]
    fn text_ending_mid_placeholder() {
        for text in [
            "{{",
            "{{ ",
            "{{ a",
            "{{ a |",
            "{{ a ||",
            "{{ a || '",
            "{{ a }",
            "{{ a | default",
            "{{ a | default:",
            "{",
        ] {
            assert_eq!(found(text), [], "{text:?}");
        }
    }
}
