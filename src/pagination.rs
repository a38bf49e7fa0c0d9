//! Where clients walking a list page by page left off. A client that asks for page N+1 right
//! after page N (Chatwoot's API has only page numbers) continues from the cursor page N ended
//! at, instead of counting past N pages of rows again; deep pages then cost what the first one
//! does. Entries are per process, expire after a few minutes and are bounded in number; a miss
//! only means the page is counted the slow way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a remembered cursor is used.
const TTL: Duration = Duration::from_secs(300);
/// Most cursors remembered at once.
const CAPACITY: usize = 20_000;

/// Remembered page starts, by list and page.
#[derive(Debug, Default)]
pub struct PageCursors {
    entries: Mutex<HashMap<String, (Instant, String)>>,
}

impl PageCursors {
    /// The cursor page `key` starts at, if a walker recently got there.
    pub fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, cursor)| cursor.clone())
    }

    /// Remembers where page `key` starts.
    pub fn put(&self, key: String, cursor: String) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), cursor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_cursor_is_found_until_replaced() {
        let cursors = PageCursors::default();
        assert_eq!(cursors.get("list:2"), None);
        cursors.put("list:2".into(), "a".into());
        assert_eq!(cursors.get("list:2").as_deref(), Some("a"));
        cursors.put("list:2".into(), "b".into());
        assert_eq!(cursors.get("list:2").as_deref(), Some("b"));
    }
}
