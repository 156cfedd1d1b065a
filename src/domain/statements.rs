//! Splitting SQL text into statements, for "run the statement under the
//! cursor" (case B31).
//!
//! A `;` ends a statement only outside comments (`--`, nested `/* */`),
//! quoted strings (`'…'` with `''`, `E'…'` with backslash escapes), quoted
//! identifiers (`"…"`, `` `…` ``, `[…]`) and dollar quotes (`$tag$…$tag$`).
//! A piece holding nothing but comments and blanks is not a statement.

/// One statement: its text and where it sits in the buffer (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The statements of `sql`, in order, without empty ones.
pub fn split(sql: &str) -> Vec<Statement> {
    let mut scanner = Scanner {
        sql,
        bytes: sql.as_bytes(),
        at: 0,
    };
    let mut statements = Vec::new();
    let mut start = 0;
    let mut has_code = false;
    while scanner.at < scanner.bytes.len() {
        match scanner.step() {
            Token::Semicolon => {
                push(&mut statements, sql, start, scanner.at - 1, has_code);
                start = scanner.at;
                has_code = false;
            }
            Token::Code => has_code = true,
            Token::Blank => {}
        }
    }
    push(&mut statements, sql, start, sql.len(), has_code);
    statements
}

/// The statement the cursor (a byte offset) is in: the one whose text holds
/// it, else the nearest one before it, else the first.
pub fn at_cursor(sql: &str, cursor: usize) -> Option<Statement> {
    let statements = split(sql);
    let before = statements.iter().rposition(|s| s.start <= cursor);
    let index = match before {
        Some(i) if cursor <= statements[i].end => i,
        Some(i) if statements.get(i + 1).is_none() => i,
        Some(i) => {
            // Between two statements: the one the cursor line belongs to,
            // that is the previous one unless only blanks follow it.
            let gap = &sql[statements[i].end..cursor];
            if gap.contains('\n') { i + 1 } else { i }
        }
        None => 0,
    };
    statements.into_iter().nth(index)
}

/// Whether a statement is a `COPY … FROM STDIN` or `COPY … TO STDOUT`,
/// which needs a client-side copy protocol rather than rows.
pub fn copies_with_client(sql: &str) -> bool {
    let code = code_only(sql).to_ascii_uppercase();
    let mut words = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty());
    words.next() == Some("COPY") && words.any(|word| word == "STDIN" || word == "STDOUT")
}

/// The text with comments and quoted runs blanked out, so keywords can be
/// looked for in what is left.
fn code_only(sql: &str) -> String {
    let mut scanner = Scanner {
        sql,
        bytes: sql.as_bytes(),
        at: 0,
    };
    let mut out = String::with_capacity(sql.len());
    while scanner.at < scanner.bytes.len() {
        let start = scanner.at;
        let token = scanner.step();
        let piece = &sql[start..scanner.at];
        let plain = match token {
            Token::Blank => piece.chars().all(char::is_whitespace),
            Token::Code => {
                piece.chars().count() == 1
                    || !piece.starts_with(['\'', '"', '$', '`', '[', 'e', 'E'])
            }
            Token::Semicolon => true,
        };
        out.push_str(if plain { piece } else { " " });
    }
    out
}

fn push(out: &mut Vec<Statement>, sql: &str, start: usize, end: usize, has_code: bool) {
    if !has_code {
        return;
    }
    let piece = &sql[start..end];
    let leading = piece.len() - piece.trim_start().len();
    let text = piece.trim();
    out.push(Statement {
        text: text.to_owned(),
        start: start + leading,
        end: start + leading + text.len(),
    });
}

enum Token {
    Semicolon,
    Code,
    Blank,
}

struct Scanner<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Consumes one token and says what it was.
    fn step(&mut self) -> Token {
        let byte = self.bytes[self.at];
        match (byte, self.peek(1)) {
            (b';', _) => {
                self.at += 1;
                return Token::Semicolon;
            }
            (b'-', Some(b'-')) => self.skip_line_comment(),
            (b'/', Some(b'*')) => self.skip_block_comment(),
            (b'\'', _) => self.skip_quoted(b'\'', false),
            (b'e' | b'E', Some(b'\'')) if !self.follows_word() => {
                self.at += 1;
                self.skip_quoted(b'\'', true);
                return Token::Code;
            }
            (b'"', _) => self.skip_quoted(b'"', false),
            (b'`', _) => self.skip_quoted(b'`', false),
            (b'[', _) => self.skip_quoted(b']', false),
            (b'$', _) if !self.follows_word() => return self.dollar_or_code(),
            (byte, _) if byte.is_ascii_whitespace() => {
                self.at += 1;
                return Token::Blank;
            }
            _ => {
                self.at += self.char_len();
                return Token::Code;
            }
        }
        match byte {
            b'-' | b'/' => Token::Blank,
            _ => Token::Code,
        }
    }

    fn char_len(&self) -> usize {
        self.sql[self.at..].chars().next().map_or(1, char::len_utf8)
    }

    /// Whether the byte before the cursor belongs to a word, so `$` or `E`
    /// here continues an identifier (`a$b`, `name'…` is not `E'…'`).
    fn follows_word(&self) -> bool {
        self.at > 0 && {
            let before = self.bytes[self.at - 1];
            before.is_ascii_alphanumeric() || before == b'_' || before == b'$' || before >= 0x80
        }
    }

    fn skip_line_comment(&mut self) {
        match self.sql[self.at..].find('\n') {
            Some(offset) => self.at += offset + 1,
            None => self.at = self.bytes.len(),
        }
    }

    /// PostgreSQL block comments nest; an unclosed one runs to the end.
    fn skip_block_comment(&mut self) {
        self.at += 2;
        let mut depth = 1;
        while self.at < self.bytes.len() && depth > 0 {
            match (self.bytes[self.at], self.peek(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.at += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.at += 2;
                }
                _ => self.at += 1,
            }
        }
    }

    /// Skips a quoted run from its opening byte; a doubled closing quote is
    /// an escaped one, and with `backslash` so is `\` and the next byte.
    fn skip_quoted(&mut self, close: u8, backslash: bool) {
        self.at += 1;
        while self.at < self.bytes.len() {
            let byte = self.bytes[self.at];
            let escaped = (backslash && byte == b'\\')
                || (byte == close && self.peek(1) == Some(close) && close != b']');
            if escaped {
                self.at += 2;
            } else if byte == close {
                self.at += 1;
                return;
            } else {
                self.at += 1;
            }
        }
        self.at = self.at.min(self.bytes.len());
    }

    /// `$tag$ … $tag$` (tag empty or an identifier not starting with a
    /// digit); anything else, such as the parameter `$1`, is plain code.
    fn dollar_or_code(&mut self) -> Token {
        let rest = &self.sql[self.at + 1..];
        let tag_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let tag = &rest[..tag_len];
        let opens =
            rest[tag_len..].starts_with('$') && !tag.starts_with(|c: char| c.is_ascii_digit());
        if !opens {
            self.at += 1;
            return Token::Code;
        }
        let delimiter = format!("${tag}$");
        let body = self.at + delimiter.len();
        self.at = match self.sql[body..].find(&delimiter) {
            Some(offset) => body + offset + delimiter.len(),
            None => self.bytes.len(),
        };
        Token::Code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn b31_a_leading_comment_belongs_to_its_statement() {
        assert_eq!(
            texts("-- hi\n\nSELECT * FROM \"Table\";"),
            ["-- hi\n\nSELECT * FROM \"Table\""]
        );
    }

    #[test]
    fn b31_semicolons_in_comments_and_strings_do_not_split() {
        assert_eq!(
            texts("-- note; with semicolon\nSELECT 1;"),
            ["-- note; with semicolon\nSELECT 1"]
        );
        assert_eq!(texts("/* block; */ SELECT 2;"), ["/* block; */ SELECT 2"]);
        assert_eq!(texts("SELECT ';' AS s;"), ["SELECT ';' AS s"]);
    }

    #[test]
    fn b31_nothing_to_run() {
        assert!(split(";;").is_empty());
        assert!(split("").is_empty());
        assert!(split("  -- only a comment\n /* and this */ ;").is_empty());
    }

    #[test]
    fn quotes_escapes_and_identifiers() {
        assert_eq!(
            texts("SELECT 'it''s;'; SELECT 2"),
            ["SELECT 'it''s;'", "SELECT 2"]
        );
        assert_eq!(
            texts(r"SELECT E'a\';b'; SELECT 3"),
            [r"SELECT E'a\';b'", "SELECT 3"]
        );
        assert_eq!(
            texts(r#"SELECT "a;""b" FROM t; x"#),
            [r#"SELECT "a;""b" FROM t"#, "x"]
        );
        assert_eq!(
            texts("SELECT [a;b], `c;d`; y"),
            ["SELECT [a;b], `c;d`", "y"]
        );
        // A name ending in e before a quote is not an E'' string.
        assert_eq!(texts(r"SELECT name'\'; z"), [r"SELECT name'\'", "z"]);
    }

    #[test]
    fn dollar_quotes_and_parameters() {
        let function = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql";
        assert_eq!(
            texts(&format!("{function}; SELECT 2")),
            [function, "SELECT 2"]
        );
        assert_eq!(
            texts("DO $$ BEGIN; END $$; SELECT 3"),
            ["DO $$ BEGIN; END $$", "SELECT 3"]
        );
        assert_eq!(
            texts("SELECT $1; SELECT a$b$c"),
            ["SELECT $1", "SELECT a$b$c"]
        );
    }

    #[test]
    fn nested_block_comments_and_unclosed_runs() {
        assert_eq!(
            texts("/* a /* b; */ c; */ SELECT 1; 2"),
            ["/* a /* b; */ c; */ SELECT 1", "2"]
        );
        assert_eq!(texts("SELECT 'unclosed; x"), ["SELECT 'unclosed; x"]);
        assert_eq!(texts("SELECT 1 /* open"), ["SELECT 1 /* open"]);
    }

    #[test]
    fn multibyte_text_keeps_offsets_on_char_boundaries() {
        let sql = "SELECT '😁'; SELECT 'é'";
        let statements = split(sql);
        assert_eq!(statements.len(), 2);
        assert_eq!(&sql[statements[1].start..statements[1].end], "SELECT 'é'");
    }

    #[test]
    fn copy_with_the_client_is_recognised_past_comments_and_strings() {
        assert!(copies_with_client("COPY items TO STDOUT"));
        assert!(copies_with_client(
            "-- note\ncopy items (a) from stdin with (format csv)"
        ));
        assert!(!copies_with_client("COPY items TO '/tmp/x.csv'"));
        assert!(!copies_with_client("SELECT 'COPY x TO STDOUT'"));
        assert!(!copies_with_client("/* COPY t TO STDOUT */ SELECT 1"));
        assert!(!copies_with_client("COPY t TO '/srv/stdout'"));
    }

    #[test]
    fn the_statement_under_the_cursor() {
        let sql = "SELECT 1;\nSELECT 2;\n\nSELECT 3";
        let at = |cursor| at_cursor(sql, cursor).map(|s| s.text);
        assert_eq!(at(0).as_deref(), Some("SELECT 1"));
        assert_eq!(at(9).as_deref(), Some("SELECT 1"));
        assert_eq!(at(12).as_deref(), Some("SELECT 2"));
        assert_eq!(at(19).as_deref(), Some("SELECT 2"));
        assert_eq!(at(20).as_deref(), Some("SELECT 3"));
        assert_eq!(at(21).as_deref(), Some("SELECT 3"));
        assert_eq!(at(sql.len()).as_deref(), Some("SELECT 3"));
        assert_eq!(at_cursor(";;", 1), None);
    }
}
