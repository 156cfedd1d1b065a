//! Strings, numbers and regex literals: the leaves of the grammar.

use bson::{Bson, Regex};

use super::{Failure, Parser};

impl Parser<'_> {
    /// A `"…"` or `'…'` string with JSON escapes plus `\'` and `\0`.
    pub(super) fn string(&mut self) -> Result<String, Failure> {
        let start = self.pos;
        let Some(quote) = self.peek() else {
            return Err(self.fail("expected a string"));
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(ch) = self.text[self.pos..].chars().next() else {
                return Err(("unterminated string".into(), start));
            };
            match ch {
                '\n' | '\r' => return Err(("unterminated string".into(), start)),
                '\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                    continue;
                }
                _ if ch as u32 == u32::from(quote) => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => out.push(ch),
            }
            self.pos += ch.len_utf8();
        }
    }

    fn escape(&mut self) -> Result<char, Failure> {
        let at = self.pos;
        let Some(byte) = self.peek() else {
            return Err(self.fail("unterminated string"));
        };
        self.pos += 1;
        let ch = match byte {
            b'"' => '"',
            b'\'' => '\'',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'0' => '\0',
            b'u' => return self.unicode_escape(at),
            _ => return Err(("unknown escape in string".into(), at - 1)),
        };
        Ok(ch)
    }

    /// `\uXXXX`, joining a surrogate pair written as two escapes.
    fn unicode_escape(&mut self, at: usize) -> Result<char, Failure> {
        let high = self.hex4(at)?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).ok_or_else(|| lone_surrogate(at));
        }
        if !self.text[self.pos..].starts_with("\\u") {
            return Err(lone_surrogate(at));
        }
        self.pos += 2;
        let low = self.hex4(at)?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(lone_surrogate(at));
        }
        let joined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        char::from_u32(joined).ok_or_else(|| lone_surrogate(at))
    }

    fn hex4(&mut self, at: usize) -> Result<u32, Failure> {
        let digits = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        if digits.len() != 4 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(("\\u must be followed by four hex digits".into(), at - 1));
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| ("bad \\u escape".into(), at - 1))
    }

    /// A JSON number: Int32 if it fits, else Int64; a point or exponent
    /// makes a Double. `-Infinity` is read here too.
    pub(super) fn number(&mut self) -> Result<Bson, Failure> {
        let start = self.pos;
        self.eat(b'-');
        if self.peek().is_some_and(|byte| byte.is_ascii_alphabetic()) {
            return match self.word() {
                "Infinity" => Ok(Bson::Double(f64::NEG_INFINITY)),
                _ => Err(("expected a number after '-'".into(), start)),
            };
        }
        let whole = self.digits();
        if whole == 0 {
            return Err(self.fail("expected a digit"));
        }
        if whole > 1 && self.text.as_bytes()[self.pos - whole] == b'0' {
            return Err(("a number cannot start with 0 (leading zeros)".into(), start));
        }
        let mut fractional = false;
        if self.eat(b'.') {
            fractional = true;
            if self.digits() == 0 {
                return Err(self.fail("expected a digit after '.'"));
            }
        }
        if self.eat(b'e') || self.eat(b'E') {
            fractional = true;
            let _sign = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return Err(self.fail("expected a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if fractional {
            double(text)
        } else {
            integer(text)
        }
        .map_err(|message| (message, start))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `/pattern/flags`; the pattern is kept exactly as typed, escapes and
    /// all, and a `/` inside `[…]` does not end it (as in JavaScript).
    pub(super) fn regex(&mut self) -> Result<Bson, Failure> {
        let start = self.pos;
        self.pos += 1;
        let mut in_class = false;
        loop {
            let Some(ch) = self.text[self.pos..].chars().next() else {
                return Err(("unterminated regular expression".into(), start));
            };
            match ch {
                '\n' | '\r' => return Err(("unterminated regular expression".into(), start)),
                '\\' => self.pos += 1,
                '[' => in_class = true,
                ']' => in_class = false,
                '/' if !in_class => break,
                _ => {}
            }
            self.pos += self.text[self.pos..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        }
        let pattern = self.text[start + 1..self.pos].to_owned();
        self.pos += 1;
        let flags = self.word().to_owned();
        if pattern.is_empty() {
            return Err(("a regular expression literal cannot be empty".into(), start));
        }
        regex_value(pattern, flags).map_err(|message| (message, start))
    }
}

/// A regex with its options as given: the stored bytes are what was typed.
pub(in crate::domain::mongo_text) fn regex_value(
    pattern: String,
    options: String,
) -> Result<Bson, String> {
    let nul = || "a regular expression cannot contain a NUL character".to_owned();
    Ok(Bson::RegularExpression(Regex {
        pattern: pattern.try_into().map_err(|_| nul())?,
        options: options.try_into().map_err(|_| nul())?,
    }))
}

fn lone_surrogate(at: usize) -> Failure {
    ("\\u escape is a lone UTF-16 surrogate".into(), at - 1)
}

fn integer(text: &str) -> Result<Bson, String> {
    match text.parse::<i64>() {
        Ok(value) => Ok(i32::try_from(value).map_or(Bson::Int64(value), Bson::Int32)),
        Err(_) => Err(format!(
            "{text} is beyond the Int64 range; write {text}.0 for a Double or \
             NumberDecimal(\"{text}\") to keep every digit"
        )),
    }
}

fn double(text: &str) -> Result<Bson, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Bson::Double(value)),
        _ => Err(format!("{text} is too large for a Double")),
    }
}
