//! What a document edit changed, as an update MongoDB can run.
//!
//! The editor hands back a whole document; saving it whole would rewrite
//! fields the user never touched (and race other writers), so [`diff`]
//! keeps only the changes: each changed field on its exact path, removed
//! fields unset, arrays that changed replaced whole, and nothing for
//! fields that are byte-identical. The filter is `{_id: <original _id>}`
//! alone, with its original type ([`id_filter`]).
//!
//! Field names a dotted path cannot address (containing `.`, starting with
//! `$`, or empty; MongoDB 5.0+ stores them) are still editable: then the
//! whole update is an aggregation pipeline of `$replaceWith` stages built
//! from `$setField` and `$unsetField`, each value wrapped in `$literal` so
//! it is stored as data and never evaluated as an expression.
//!
//! Field order: untouched fields keep their place and a new field goes last
//! (as `$set` does). A sub-document whose fields were reordered is set
//! whole so the stored order is the edited one; a reordering of top-level
//! fields alone is not sent, since only a full replace could express it.
//!
//! Only `bson` values here; the driver turns [`Modifications`] into the
//! mongodb crate's update type.

use bson::{Bson, Document, doc};

/// An edit that cannot be saved as it stands.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("the document has no _id, so it cannot be updated or deleted by id")]
    NoId,
    #[error(
        "the _id cannot be changed (it was {original}); \
         duplicate the document to save it under a new _id"
    )]
    IdChanged { original: String },
}

/// One change at an exact path of field names (never an array index).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Field names from the top level down, each exactly as stored.
    pub path: Vec<String>,
    /// The new value, or `None` when the field was removed.
    pub value: Option<Bson>,
}

/// Every change between an original document and its edited form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    changes: Vec<Change>,
}

/// An update in the shape `update_one` takes: an update document, or a
/// pipeline when some field name needs `$setField`.
#[derive(Clone, Debug, PartialEq)]
pub enum Modifications {
    Document(Document),
    Pipeline(Vec<Document>),
}

/// `{_id: <the original _id, exactly>}`, whatever its type.
pub fn id_filter(original: &Document) -> Result<Document, EditError> {
    let id = original.get("_id").ok_or(EditError::NoId)?;
    Ok(doc! { "_id": id.clone() })
}

/// The changes that turn `original` into `edited`; refuses a changed `_id`.
pub fn diff(original: &Document, edited: &Document) -> Result<Update, EditError> {
    let id = original.get("_id").ok_or(EditError::NoId)?;
    if !edited.get("_id").is_some_and(|new| identical(id, new)) {
        return Err(EditError::IdChanged {
            original: super::mongo_text::display_value(id),
        });
    }
    let mut changes = Vec::new();
    diff_into(&mut Vec::new(), original, edited, &mut changes);
    Ok(Update { changes })
}

fn diff_into(
    path: &mut Vec<String>,
    original: &Document,
    edited: &Document,
    out: &mut Vec<Change>,
) {
    for key in original
        .keys()
        .filter(|key| !edited.contains_key(key.as_str()))
    {
        out.push(Change {
            path: joined(path, key),
            value: None,
        });
    }
    for (key, new) in edited {
        match (original.get(key), new) {
            (Some(old), _) if identical(old, new) => {}
            (Some(Bson::Document(old)), Bson::Document(new)) if keeps_order(old, new) => {
                path.push(key.clone());
                diff_into(path, old, new, out);
                path.pop();
            }
            _ => out.push(Change {
                path: joined(path, key),
                value: Some(new.clone()),
            }),
        }
    }
}

fn joined(path: &[String], key: &str) -> Vec<String> {
    let mut full = path.to_vec();
    full.push(key.to_owned());
    full
}

/// Whether per-field changes leave the fields in the edited order: kept
/// fields in their old relative order, new fields only after them.
fn keeps_order(original: &Document, edited: &Document) -> bool {
    let mut last_index = None;
    let mut seen_new = false;
    for key in edited.keys() {
        match original.keys().position(|old| old == key) {
            Some(_) if seen_new => return false,
            Some(index) if last_index.is_some_and(|last| index < last) => return false,
            Some(index) => last_index = Some(index),
            None => seen_new = true,
        }
    }
    true
}

/// Same type and same bytes: unlike `==`, tells 0.0 from -0.0, finds NaN
/// equal to itself, and sees a reordered sub-document as a change.
pub fn identical(left: &Bson, right: &Bson) -> bool {
    match (left, right) {
        (Bson::Double(left), Bson::Double(right)) => left.to_bits() == right.to_bits(),
        (Bson::Document(left), Bson::Document(right)) => identical_documents(left, right),
        (Bson::Array(left), Bson::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| identical(l, r))
        }
        (Bson::JavaScriptCodeWithScope(left), Bson::JavaScriptCodeWithScope(right)) => {
            left.code == right.code && identical_documents(&left.scope, &right.scope)
        }
        _ => left == right,
    }
}

fn identical_documents(left: &Document, right: &Document) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .all(|((lk, lv), (rk, rv))| lk == rk && identical(lv, rv))
}

impl Update {
    /// True when the edit changed nothing worth sending.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Whether some path holds a name a dotted path cannot address.
    pub fn needs_pipeline(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.path.iter().any(|name| !dotted_safe(name)))
    }

    /// The update as `update_one` should get it: a document when it can be
    /// one, else a pipeline.
    pub fn to_modifications(&self) -> Modifications {
        match self.to_update_document() {
            Some(document) => Modifications::Document(document),
            None => Modifications::Pipeline(self.to_pipeline()),
        }
    }

    /// `{$set: {"a.b": …}, $unset: {"c": ""}}`, or `None` when a field name
    /// needs the pipeline form.
    pub fn to_update_document(&self) -> Option<Document> {
        if self.needs_pipeline() {
            return None;
        }
        let (mut set, mut unset) = (Document::new(), Document::new());
        for change in &self.changes {
            let path = change.path.join(".");
            match &change.value {
                Some(value) => set.insert(path, value.clone()),
                None => unset.insert(path, ""),
            };
        }
        let mut update = Document::new();
        for (operator, fields) in [("$set", set), ("$unset", unset)] {
            if !fields.is_empty() {
                update.insert(operator, fields);
            }
        }
        Some(update)
    }

    /// One `$replaceWith` stage per change, using `$setField` /
    /// `$unsetField` so any field name works (MongoDB 5.0+).
    pub fn to_pipeline(&self) -> Vec<Document> {
        self.changes
            .iter()
            .map(
                |change| doc! { "$replaceWith": changed_at(&change.path, "$$ROOT".into(), change) },
            )
            .collect()
    }
}

/// The expression for `input` with the change applied at `path` below it.
fn changed_at(path: &[String], input: Bson, change: &Change) -> Bson {
    let Some((name, rest)) = path.split_first() else {
        return input;
    };
    let field = field_name(name);
    if rest.is_empty() {
        return match &change.value {
            Some(value) => doc! { "$setField": {
                "field": field, "input": input, "value": { "$literal": value.clone() },
            } },
            None => doc! { "$unsetField": { "field": field, "input": input } },
        }
        .into();
    }
    let inner = doc! { "$getField": { "field": field.clone(), "input": input.clone() } };
    let value = changed_at(rest, inner.into(), change);
    doc! { "$setField": { "field": field, "input": input, "value": value } }.into()
}

/// `$setField` reads a name starting with `$` as a field path unless it is
/// wrapped in `$literal`.
fn field_name(name: &str) -> Bson {
    if name.starts_with('$') {
        doc! { "$literal": name }.into()
    } else {
        name.into()
    }
}

fn dotted_safe(name: &str) -> bool {
    !name.is_empty() && !name.contains('.') && !name.starts_with('$')
}

#[cfg(test)]
#[path = "mongo_edit_tests.rs"]
mod tests;
