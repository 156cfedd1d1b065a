//! Keys as data: the embedded default keymap parsed into a lookup table.
//!
//! The event handler, the `?` help overlay and the status-bar hints all read
//! this one table, so they cannot drift apart. Nothing here changes state.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

/// The default keymap, compiled into the binary.
const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies. Modal contexts shadow the panes beneath them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Connections,
    Keys,
    Value,
    Prompt,
    Confirm,
    Form,
    Editor,
    Picker,
    Help,
    /// The SQL schema tree.
    Tables,
    /// The SQL rows grid.
    Rows,
    /// The SQL editor.
    Query,
    /// One SQL cell, shown whole.
    Cell,
    /// The Redis server panel.
    Server,
    /// The pub/sub pane.
    #[serde(rename = "pubsub")]
    PubSub,
    /// The MongoDB tree: databases, collections, indexes.
    MongoTree,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Connections => "connections",
            Self::Keys => "keys",
            Self::Value => "value",
            Self::Prompt => "prompt",
            Self::Confirm => "confirm",
            Self::Form => "form",
            Self::Editor => "editor",
            Self::Picker => "picker",
            Self::Help => "help",
            Self::Tables => "tables",
            Self::Rows => "rows",
            Self::Query => "query",
            Self::Cell => "cell",
            Self::Server => "server",
            Self::PubSub => "pubsub",
            Self::MongoTree => "mongo_tree",
        }
    }

    /// Pane contexts fall back to the global bindings; modal ones do not.
    fn falls_back_to_global(self) -> bool {
        matches!(
            self,
            Self::Connections
                | Self::Keys
                | Self::Value
                | Self::Tables
                | Self::Rows
                | Self::Server
                | Self::PubSub
                | Self::MongoTree
        )
    }
}

/// A key as a binding names it: a code and whether Ctrl or Alt is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeySpec {
    code: KeyCode,
    ctrl: bool,
    alt: bool,
}

impl KeySpec {
    /// Reads `j`, `G`, `enter`, `ctrl-g`, `pagedown` and the like.
    pub fn parse(text: &str) -> Option<Self> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (alt, rest) = match rest.strip_prefix("alt-") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let code = named_code(rest).or_else(|| single_char(rest).map(KeyCode::Char))?;
        Some(Self { code, ctrl, alt })
    }

    /// The spec a key press matches. Shift is part of the character itself.
    pub fn of(event: &KeyEvent) -> Self {
        Self {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Backspace => f.write_str("Bksp"),
            other => write!(f, "{other:?}"),
        }
    }
}

fn named_code(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "delete" => KeyCode::Delete,
        "backspace" => KeyCode::Backspace,
        _ => return None,
    })
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// One binding: keys in a context mean an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<KeySpec>,
    pub action: Action,
    pub description: String,
    pub hint: bool,
}

impl Binding {
    /// The keys as the help shows them: `j/Down`.
    pub fn keys_label(&self) -> String {
        let labels: Vec<String> = self.keys.iter().map(ToString::to_string).collect();
        labels.join("/")
    }
}

#[derive(Deserialize)]
struct KeymapFile {
    binding: Vec<RawBinding>,
}

#[derive(Deserialize)]
struct RawBinding {
    context: Context,
    keys: Vec<String>,
    action: Action,
    #[serde(default)]
    description: String,
    #[serde(default)]
    hint: bool,
}

/// A keymap that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("keymap: unknown key {0:?}")]
    UnknownKey(String),
}

/// The table of bindings, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Keymap {
    /// The keymap compiled into the binary.
    pub fn embedded() -> Result<Self, KeymapError> {
        Self::parse(DEFAULT_KEYMAP)
    }

    pub fn parse(text: &str) -> Result<Self, KeymapError> {
        let file: KeymapFile = toml::from_str(text)?;
        let mut bindings = Vec::with_capacity(file.binding.len());
        for raw in file.binding {
            let keys = raw
                .keys
                .iter()
                .map(|k| KeySpec::parse(k).ok_or_else(|| KeymapError::UnknownKey(k.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            bindings.push(Binding {
                context: raw.context,
                keys,
                action: raw.action,
                description: raw.description,
                hint: raw.hint,
            });
        }
        Ok(Self { bindings })
    }

    /// Applies a user's keymap on top: a user binding replaces the default
    /// binding for the same context and action (keeping its description
    /// when the user gave none), and its keys stop meaning anything else in
    /// that context.
    pub fn with_overrides(mut self, user: Keymap) -> Self {
        for binding in user.bindings {
            for other in &mut self.bindings {
                if other.context == binding.context {
                    other.keys.retain(|k| !binding.keys.contains(k));
                }
            }
            let same = |b: &Binding| b.context == binding.context && b.action == binding.action;
            match self.bindings.iter_mut().find(|b| same(b)) {
                Some(existing) => {
                    existing.keys = binding.keys;
                    if !binding.description.is_empty() {
                        existing.description = binding.description;
                    }
                }
                None => self.bindings.push(binding),
            }
        }
        self.bindings.retain(|b| !b.keys.is_empty());
        self
    }

    /// The action a key press means in `context`, falling back to the
    /// global bindings for the panes.
    pub fn lookup(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        let spec = KeySpec::of(key);
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&spec))
                .map(|b| b.action)
        };
        find(context).or_else(|| {
            context
                .falls_back_to_global()
                .then(|| find(Context::Global))
                .flatten()
        })
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The bindings the status bar hints at in `context`.
    pub fn hints(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.hint && b.context == context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn embedded_keymap_parses_and_resolves_vim_and_arrow_keys() {
        let keymap = Keymap::embedded().unwrap();
        for code in [KeyCode::Char('j'), KeyCode::Down] {
            assert_eq!(keymap.lookup(Context::Keys, &key(code)), Some(Action::Down));
        }
        assert_eq!(
            keymap.lookup(Context::Keys, &key(KeyCode::Char('/'))),
            Some(Action::Filter)
        );
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.lookup(Context::Value, &shifted),
            Some(Action::Bottom)
        );
        let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.lookup(Context::Prompt, &ctrl_g),
            Some(Action::ToggleGlob)
        );
    }

    #[test]
    fn modal_contexts_do_not_fall_back_to_global_keys() {
        let keymap = Keymap::embedded().unwrap();
        assert_eq!(
            keymap.lookup(Context::Prompt, &key(KeyCode::Char('q'))),
            None
        );
        assert_eq!(
            keymap.lookup(Context::Keys, &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
    }

    #[test]
    fn user_bindings_replace_the_defaults_they_name() {
        let user = Keymap::parse(
            "[[binding]]\ncontext = \"keys\"\nkeys = [\"f\", \"/\"]\naction = \"filter\"\n\
             [[binding]]\ncontext = \"keys\"\nkeys = [\"n\"]\naction = \"load_all\"\n",
        )
        .unwrap();
        let keymap = Keymap::embedded().unwrap().with_overrides(user);
        let press = |c| keymap.lookup(Context::Keys, &key(KeyCode::Char(c)));
        assert_eq!(press('f'), Some(Action::Filter));
        assert_eq!(press('/'), Some(Action::Filter));
        assert_eq!(press('n'), Some(Action::LoadAll));
        assert_eq!(press('L'), None);
        let filter = keymap
            .bindings()
            .iter()
            .find(|b| b.action == Action::Filter)
            .unwrap();
        assert_eq!(filter.description, "filter keys");
        assert_eq!(filter.keys_label(), "f//");
    }

    #[test]
    fn unknown_keys_are_reported() {
        let text = "[[binding]]\ncontext = \"global\"\nkeys = [\"hyper-x\"]\n\
                    action = \"quit\"\ndescription = \"q\"\n";
        assert!(matches!(
            Keymap::parse(text),
            Err(KeymapError::UnknownKey(k)) if k == "hyper-x"
        ));
    }
}
