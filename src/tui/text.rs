//! Display-width helpers and glyph sets: everything that decides how many
//! terminal cells a piece of text takes, and what may reach the terminal.
//!
//! Widths come from unicode-width per grapheme (wide = 2, combining = 0), the
//! same rule ratatui's buffer uses, so borders stay aligned. Nothing here
//! touches state or the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use ratatui::symbols::border;
use unicode_segmentation::UnicodeSegmentation as _;
use unicode_width::UnicodeWidthStr as _;

/// The glyphs the UI draws with: Unicode, or plain ASCII for terminals whose
/// locale is not UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    pub ellipsis: &'static str,
    pub selected: &'static str,
    pub border: border::Set<'static>,
    pub separator: &'static str,
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Glyphs {
    pub const UNICODE: Self = Self {
        ascii: false,
        ellipsis: "…",
        selected: "▶ ",
        border: border::PLAIN,
        separator: " · ",
    };

    pub const ASCII: Self = Self {
        ascii: true,
        ellipsis: "...",
        selected: "> ",
        border: ASCII_BORDER,
        separator: " | ",
    };

    pub fn new(ascii: bool) -> Self {
        if ascii { Self::ASCII } else { Self::UNICODE }
    }

    /// Data text made safe for this terminal: in ASCII mode every non-ASCII
    /// character becomes a visible `\u{…}` escape.
    pub fn data<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.ascii || text.is_ascii() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
        Cow::Owned(out)
    }

    /// UI text (messages, summaries) for this terminal: the UI's own
    /// glyphs become ASCII, then any data in it is escaped as `data` does.
    pub fn ui<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.ascii || text.is_ascii() {
            return Cow::Borrowed(text);
        }
        let plain = text.replace('·', "|").replace('…', "...").replace('—', "-");
        Cow::Owned(self.data(&plain).into_owned())
    }

    /// `data` then `fit`: the usual path for a table cell.
    pub fn cell(&self, text: &str, width: usize) -> String {
        fit(&self.data(text), width, self.ellipsis)
    }
}

/// Control characters made visible (`\n`, `\t`, `\r`, `\x1B`), all else
/// as it is: for text the user types or confirms, where a backslash they
/// typed must stay one backslash.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether the locale asks for UTF-8, reading `LC_ALL`, `LC_CTYPE` and
/// `LANG` in that order (the first one set wins, as in POSIX).
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| var(name).filter(|value| !value.is_empty()))
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

/// The number of terminal cells `text` takes.
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(|g| g.width()).sum()
}

/// Cuts `text` to at most `max` cells, ending with `ellipsis` when cut.
/// Never splits a grapheme or a wide character.
pub fn fit(text: &str, max: usize, ellipsis: &str) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let w = grapheme.width();
        if used + w > room {
            break;
        }
        used += w;
        out.push_str(grapheme);
    }
    if width(ellipsis) <= max {
        out.push_str(ellipsis);
    }
    out
}

/// Splits `text` into pieces of at most `max` cells (at least one grapheme
/// each), for headers that must wrap predictably.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let w = grapheme.width();
        if used + w > max && used > 0 {
            lines.push(String::new());
            used = 0;
        }
        used += w;
        if let Some(line) = lines.last_mut() {
            line.push_str(grapheme);
        }
    }
    lines
}

/// Groups digits by thousands: `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in human units.
pub fn bytes(n: u64) -> String {
    bytesize::ByteSize(n).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_wide_and_combining_characters() {
        assert_eq!(width("é"), 1);
        assert_eq!(width("😁"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(width("x"), 1);
    }

    #[test]
    fn fit_cuts_by_width_with_an_ellipsis() {
        assert_eq!(fit("hello", 10, "…"), "hello");
        assert_eq!(fit("hello world", 6, "…"), "hello…");
        assert_eq!(fit("😁😁😁", 4, "…"), "😁…");
        assert_eq!(fit("abcdef", 5, "..."), "ab...");
        assert_eq!(fit("abcdef", 2, "..."), "");
        assert_eq!(fit("", 0, "…"), "");
    }

    #[test]
    fn wrap_splits_by_width() {
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("😁😁😁", 5), ["😁😁", "😁"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("ab", 0), ["a", "b"]);
    }

    #[test]
    fn ascii_mode_escapes_non_ascii_data() {
        assert_eq!(Glyphs::ASCII.data("naïve 😁"), "na\\u{ef}ve \\u{1f601}");
        assert_eq!(Glyphs::UNICODE.data("naïve"), "naïve");
        assert_eq!(
            Glyphs::ASCII.ui("3 keys · loading… é"),
            "3 keys | loading... \\u{e9}"
        );
    }

    #[test]
    fn locale_picks_the_first_set_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(locale_is_utf8(env(&[("LANG", "en_US.UTF-8")])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!locale_is_utf8(env(&[("LANG", "en_US.ISO-8859-1")])));
        assert!(locale_is_utf8(env(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C.utf8")
        ])));
        assert!(!locale_is_utf8(env(&[])));
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(1_500_000), "1,500,000");
    }
}
