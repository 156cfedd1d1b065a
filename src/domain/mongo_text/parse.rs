//! The recursive-descent reader behind `parse_document` and friends.
//!
//! It walks bytes of a `&str`, so every position it reports is a char
//! boundary. Nesting is capped at [`MAX_DEPTH`] so hostile input cannot
//! overflow the stack; on any error nothing partial is returned.

use bson::{Bson, Document};

use super::TextError;
use super::literals;

/// Deepest nesting of documents, arrays and literal arguments accepted.
pub(super) const MAX_DEPTH: usize = 100;

pub(super) struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// A failure before it is placed: a message and the byte offset it refers to.
pub(super) type Failure = (String, usize);

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// Runs `read` over the whole text, refusing anything left after it.
    pub(super) fn whole<T>(
        mut self,
        read: fn(&mut Self) -> Result<T, Failure>,
    ) -> Result<T, TextError> {
        let result = read(&mut self).and_then(|value| {
            self.skip_space();
            match self.peek() {
                None => Ok(value),
                Some(_) => Err(self.fail("unexpected text after the value")),
            }
        });
        result.map_err(|(message, offset)| locate(self.text, message, offset))
    }

    pub(super) fn top_document(&mut self) -> Result<Document, Failure> {
        self.skip_space();
        if self.peek() != Some(b'{') {
            return Err(self.fail("expected a document starting with '{'"));
        }
        self.object()
    }

    pub(super) fn top_array(&mut self) -> Result<Vec<Bson>, Failure> {
        self.skip_space();
        if self.peek() != Some(b'[') {
            return Err(self.fail("expected an array starting with '['"));
        }
        self.array()
    }

    pub(super) fn value(&mut self) -> Result<Bson, Failure> {
        self.skip_space();
        let start = self.pos;
        match self.peek() {
            None => Err(self.fail("expected a value but the text ended")),
            Some(b'{') => {
                let document = self.object()?;
                literals::from_wrapper(document).map_err(|message| (message, start))
            }
            Some(b'[') => self.array().map(Bson::Array),
            Some(b'"' | b'\'') => self.string().map(Bson::String),
            Some(b'/') => self.regex(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(byte) if is_word_byte(byte) => self.word_value(),
            Some(_) => Err(self.fail("expected a value")),
        }
    }

    /// A `{ key: value, … }` as a plain document (no wrapper reading).
    pub(super) fn object(&mut self) -> Result<Document, Failure> {
        self.enter()?;
        self.pos += 1;
        let mut document = Document::new();
        loop {
            self.skip_space();
            if self.eat(b'}') {
                break;
            }
            let key_at = self.pos;
            let key = self.key()?;
            self.skip_space();
            if !self.eat(b':') {
                return Err(self.fail("expected ':' after key"));
            }
            let value = self.value()?;
            if document.contains_key(&key) {
                return Err((format!("duplicate key \"{key}\""), key_at));
            }
            document.insert(key, value);
            if !self.list_continues(b'}', "expected ',' or '}' after a field")? {
                break;
            }
        }
        self.depth -= 1;
        Ok(document)
    }

    fn array(&mut self) -> Result<Vec<Bson>, Failure> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b']') {
                break;
            }
            items.push(self.value()?);
            if !self.list_continues(b']', "expected ',' or ']' after an item")? {
                break;
            }
        }
        self.depth -= 1;
        Ok(items)
    }

    /// After an item: true when another may follow, false once `close` ends
    /// the list. A comma before `close` (a trailing comma) is allowed.
    fn list_continues(&mut self, close: u8, message: &str) -> Result<bool, Failure> {
        self.skip_space();
        if self.eat(b',') {
            return Ok(true);
        }
        if self.eat(close) {
            return Ok(false);
        }
        Err(self.fail(message))
    }

    fn enter(&mut self) -> Result<(), Failure> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    /// A field name: quoted, or bare up to a delimiter (`a.b`, `$gt`, `x-y`).
    fn key(&mut self) -> Result<String, Failure> {
        let start = self.pos;
        let key = match self.peek() {
            Some(b'"' | b'\'') => self.string()?,
            _ => {
                while self.peek().is_some_and(is_bare_key_byte) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(self.fail("expected a field name"));
                }
                self.text[start..self.pos].to_owned()
            }
        };
        if key.contains('\0') {
            return Err(("a field name cannot contain a NUL character".into(), start));
        }
        Ok(key)
    }

    /// `true`, `null`, `NaN`, `MinKey`, `ObjectId("…")`, `new Date(…)` …
    fn word_value(&mut self) -> Result<Bson, Failure> {
        let start = self.pos;
        let mut name = self.word();
        if name == "new" {
            self.skip_space();
            name = self.word();
        }
        self.skip_space();
        if name == literals::LITERAL_DOCUMENT {
            return self.literal_document().map(Bson::Document);
        }
        let args = if self.peek() == Some(b'(') {
            Some(self.arguments()?)
        } else {
            None
        };
        literals::from_call(name, args).map_err(|message| (message, start))
    }

    /// `Document({…})`: a document kept literal even if its keys look like
    /// an Extended JSON wrapper.
    fn literal_document(&mut self) -> Result<Document, Failure> {
        self.expect_byte(b'(', "expected '(' after Document")?;
        self.skip_space();
        if self.peek() != Some(b'{') {
            return Err(self.fail("expected '{' in Document({…})"));
        }
        let document = self.object()?;
        self.expect_byte(b')', "expected ')' to close Document({…})")?;
        Ok(document)
    }

    fn expect_byte(&mut self, byte: u8, message: &str) -> Result<(), Failure> {
        self.skip_space();
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.fail(message))
        }
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_word_byte) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn arguments(&mut self) -> Result<Vec<Bson>, Failure> {
        self.enter()?;
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b')') {
                break;
            }
            args.push(self.value()?);
            if !self.list_continues(b')', "expected ',' or ')' after an argument")? {
                break;
            }
        }
        self.depth -= 1;
        Ok(args)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matched = self.peek() == Some(byte);
        if matched {
            self.pos += 1;
        }
        matched
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn fail(&self, message: &str) -> Failure {
        (message.to_owned(), self.pos)
    }
}

pub(super) mod scalars;

/// Bytes of identifiers such as `ObjectId`, `NumberLong`, `true`.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// A bare key runs until a byte that ends it in this grammar.
fn is_bare_key_byte(byte: u8) -> bool {
    !byte.is_ascii_whitespace() && !b":,{}[]()\"'/".contains(&byte)
}

/// Turns a byte offset into the user's line and column.
fn locate(text: &str, message: String, offset: usize) -> TextError {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    TextError {
        message,
        offset,
        line,
        column,
    }
}
