//! Tests for the edit diff: an in-memory `apply` checks that the changes
//! rebuild the edited document byte for byte.

use bson::spec::BinarySubtype;
use bson::{Binary, Bson, DateTime, Decimal128, Document, Timestamp, doc, oid::ObjectId};

use super::*;

/// Applies the changes the way MongoDB's `$set` / `$unset` do: an existing
/// field keeps its place, a new one goes last.
fn apply(original: &Document, update: &Update) -> Document {
    let mut document = original.clone();
    for change in update.changes() {
        let Some((last, parents)) = change.path.split_last() else {
            panic!("empty path");
        };
        let mut target = &mut document;
        for name in parents {
            target = match target.get_mut(name) {
                Some(Bson::Document(inner)) => inner,
                _ => panic!("{name} is not a sub-document"),
            };
        }
        match &change.value {
            Some(value) => target.insert(last.clone(), value.clone()),
            None => target.remove(last),
        };
    }
    document
}

fn bytes(document: &Document) -> Vec<u8> {
    document.to_vec().unwrap_or_else(|error| panic!("{error}"))
}

fn diffed(original: &Document, edited: &Document) -> Update {
    diff(original, edited).unwrap_or_else(|error| panic!("{error}"))
}

/// The diff rebuilds `edited` exactly and touches only `changed` paths.
fn check(original: &Document, edited: &Document, changed: &[&str]) -> Update {
    let update = diffed(original, edited);
    assert_eq!(bytes(&apply(original, &update)), bytes(edited));
    let paths: Vec<String> = update.changes().iter().map(|c| c.path.join(".")).collect();
    assert_eq!(paths, changed);
    update
}

fn decimal(text: &str) -> Bson {
    Bson::Decimal128(
        text.parse::<Decimal128>()
            .unwrap_or_else(|error| panic!("{error}")),
    )
}

fn oid() -> ObjectId {
    ObjectId::parse_str("5f1d7a2b3c4d5e6f7a8b9c0d").unwrap_or_else(|error| panic!("{error}"))
}

fn every_type(id: Bson) -> Document {
    doc! {
        "_id": id, "i32": 7, "i64": 7_i64, "dbl": 7.0, "neg_zero": -0.0, "nan": f64::NAN,
        "dec": decimal("1.10"), "date": DateTime::from_millis(-1), "oid": oid(),
        "bin": Binary { subtype: BinarySubtype::UserDefined(0x80), bytes: vec![1, 2] },
        "ts": Timestamp { time: 1, increment: 2 }, "arr": [1, [2, { "x": 3_i64 }]],
        "sub": { "a": { "b": 1 }, "c": Bson::MinKey }, "name": "a",
    }
}

#[test]
fn an_untouched_document_of_every_type_has_nothing_to_send() {
    let original = every_type(Bson::Int32(1));
    assert!(diffed(&original, &original.clone()).is_empty());
}

#[test]
fn editing_one_field_leaves_every_other_type_byte_identical() {
    let original = every_type(Bson::ObjectId(oid()));
    let mut edited = original.clone();
    edited.insert("name", "b");
    let update = check(&original, &edited, &["name"]);
    assert_eq!(
        update.to_update_document(),
        Some(doc! { "$set": { "name": "b" } })
    );
}

#[test]
fn nested_edits_set_exact_paths_and_arrays_are_replaced_whole() {
    let original = every_type(Bson::Int32(1));
    let mut edited = original.clone();
    edited.insert("sub", doc! { "a": { "b": 2 }, "c": Bson::MinKey });
    edited.insert(
        "arr",
        Bson::Array(vec![Bson::Int32(1), Bson::Array(vec![Bson::Int32(2)])]),
    );
    let update = check(&original, &edited, &["arr", "sub.a.b"]);
    assert_eq!(
        update.to_update_document(),
        Some(doc! { "$set": { "arr": [1, [2]], "sub.a.b": 2 } })
    );
}

#[test]
fn removed_and_added_fields_are_unset_and_set() {
    let original = doc! { "_id": 1, "a": 1, "b": { "c": 1, "d": 2 } };
    let edited = doc! { "_id": 1, "b": { "c": 1 }, "e": "new" };
    let update = check(&original, &edited, &["a", "b.d", "e"]);
    assert_eq!(
        update.to_update_document(),
        Some(doc! { "$set": { "e": "new" }, "$unset": { "a": "", "b.d": "" } })
    );
}

#[test]
fn a_type_change_is_a_change_even_when_the_number_is_equal() {
    let original = doc! { "_id": 1, "n": 7, "z": 0.0, "nan": f64::NAN };
    let edited = doc! { "_id": 1, "n": 7_i64, "z": -0.0, "nan": f64::NAN };
    let update = check(&original, &edited, &["n", "z"]);
    assert_eq!(update.changes()[0].value, Some(Bson::Int64(7)));
}

#[test]
fn a_reordered_sub_document_is_set_whole_to_keep_the_edited_order() {
    let original = doc! { "_id": 1, "s": { "a": 1, "b": 2 } };
    let edited = doc! { "_id": 1, "s": { "b": 2, "a": 1 } };
    check(&original, &edited, &["s"]);
}

#[test]
fn ids_of_every_type_filter_on_themselves_exactly() {
    let ids = [
        Bson::Int32(1),
        Bson::String("1".into()),
        Bson::String("5f1d7a2b3c4d5e6f7a8b9c0d".into()),
        Bson::ObjectId(oid()),
        Bson::Document(doc! { "a": 1, "b": 2 }),
        Bson::Double(1.5),
        Bson::Binary(Binary {
            subtype: BinarySubtype::Uuid,
            bytes: vec![7; 16],
        }),
        Bson::Binary(Binary {
            subtype: BinarySubtype::UuidOld,
            bytes: vec![7; 16],
        }),
        Bson::Int64(9_007_199_254_740_993),
    ];
    for id in ids {
        let original = doc! { "_id": id.clone(), "t": "x" };
        let filter = id_filter(&original).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(bytes(&filter), bytes(&doc! { "_id": id.clone() }));
        let mut edited = original.clone();
        edited.insert("t", "y");
        check(&original, &edited, &["t"]);
    }
}

#[test]
fn changing_or_dropping_the_id_is_refused() {
    let original = doc! { "_id": 1, "t": "x" };
    let changed = diff(&original, &doc! { "_id": "1", "t": "x" });
    assert_eq!(
        changed,
        Err(EditError::IdChanged {
            original: "1".into()
        })
    );
    assert!(diff(&original, &doc! { "t": "x" }).is_err());
    let reordered_id = doc! { "_id": { "a": 1, "b": 2 } };
    assert!(diff(&reordered_id, &doc! { "_id": { "b": 2, "a": 1 } }).is_err());
    assert_eq!(id_filter(&doc! { "t": 1 }), Err(EditError::NoId));
}

#[test]
fn names_a_dotted_path_cannot_reach_use_a_set_field_pipeline() {
    // B22: `prev` holds an operator-like name, `a.b` is one top-level field.
    let original = doc! {
        "_id": 2, "a.b": 1, "a": { "b": 2 }, "prev": { "$concatArrays": ["$x", ["y"]] }, "": 0,
    };
    let mut edited = original.clone();
    edited.insert("a.b", 10);
    edited.insert("prev", doc! { "$concatArrays": ["$z"] });
    edited.remove("");
    let update = check(&original, &edited, &["", "a.b", "prev.$concatArrays"]);
    assert_eq!(update.to_update_document(), None);
    let pipeline = match update.to_modifications() {
        Modifications::Pipeline(stages) => stages,
        Modifications::Document(document) => panic!("expected a pipeline, got {document}"),
    };
    assert_eq!(
        pipeline,
        vec![
            doc! { "$replaceWith": { "$unsetField": { "field": "", "input": "$$ROOT" } } },
            doc! { "$replaceWith": { "$setField": {
                "field": "a.b", "input": "$$ROOT", "value": { "$literal": 10 },
            } } },
            doc! { "$replaceWith": { "$setField": {
                "field": "prev", "input": "$$ROOT", "value": { "$setField": {
                    "field": { "$literal": "$concatArrays" },
                    "input": { "$getField": { "field": "prev", "input": "$$ROOT" } },
                    "value": { "$literal": ["$z"] },
                } },
            } } },
        ]
    );
}

#[test]
fn editing_a_plain_field_next_to_odd_names_stays_a_plain_update() {
    let original = doc! { "_id": 1, "name": "a", "loc": { "$db": "n", "$ref": "r" } };
    let mut edited = original.clone();
    edited.insert("name", "b");
    let update = check(&original, &edited, &["name"]);
    assert_eq!(
        update.to_modifications(),
        Modifications::Document(doc! { "$set": { "name": "b" } })
    );
}
