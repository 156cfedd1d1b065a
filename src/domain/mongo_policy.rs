//! Which MongoDB queries dbdeck will send: no server-side JavaScript, and
//! a way to tell whether a pipeline writes.
//!
//! `$where`, `$function` and `$accumulator` run JavaScript on the server; an
//! explorer has no need for them and they are a common way to stall or
//! abuse a server, so they are refused wherever they appear: nested in
//! `$and`/`$or`, inside `$expr`, in `$lookup`, `$unionWith` and `$facet`
//! sub-pipelines. The walk covers every document and array in the query,
//! except the inside of `$literal`, which the server never evaluates.
//!
//! This module only judges; it does not run anything.

use bson::{Bson, Document};

/// Operators that run JavaScript on the server.
const JAVASCRIPT_OPERATORS: [&str; 3] = ["$where", "$function", "$accumulator"];

/// Stages that write the pipeline's result into a collection.
const OUTPUT_STAGES: [&str; 2] = ["$out", "$merge"];

/// A query dbdeck will not send.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "{operator} is not allowed: it runs JavaScript on the server (found at {path}); \
         use the query operators or $expr instead"
    )]
    JavaScript {
        operator: &'static str,
        /// Where it was found, as dotted keys and array indexes.
        path: String,
    },
}

/// Refuses a filter that uses a server-side JavaScript operator anywhere.
pub fn check_filter(filter: &Document) -> Result<(), Refused> {
    check_document(filter, "filter")
}

/// Refuses a pipeline that uses a server-side JavaScript operator anywhere.
pub fn check_pipeline(stages: &[Document]) -> Result<(), Refused> {
    stages
        .iter()
        .enumerate()
        .try_for_each(|(index, stage)| check_document(stage, &format!("stage {index}")))
}

/// Whether the pipeline writes a collection (`$out` or `$merge`), at any
/// depth, so a read-only connection can refuse it before it runs.
pub fn writes_output(stages: &[Document]) -> bool {
    stages.iter().any(document_writes)
}

fn check_document(document: &Document, path: &str) -> Result<(), Refused> {
    for (key, value) in document {
        let here = format!("{path}.{key}");
        if let Some(operator) = JAVASCRIPT_OPERATORS.into_iter().find(|op| op == key) {
            return Err(Refused::JavaScript {
                operator,
                path: here,
            });
        }
        if key != "$literal" {
            check_value(value, &here)?;
        }
    }
    Ok(())
}

fn check_value(value: &Bson, path: &str) -> Result<(), Refused> {
    match value {
        Bson::Document(document) => check_document(document, path),
        Bson::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| check_value(item, &format!("{path}.{index}"))),
        _ => Ok(()),
    }
}

fn document_writes(document: &Document) -> bool {
    document.iter().any(|(key, value)| {
        OUTPUT_STAGES.contains(&key.as_str()) || (key != "$literal" && value_writes(value))
    })
}

fn value_writes(value: &Bson) -> bool {
    match value {
        Bson::Document(document) => document_writes(document),
        Bson::Array(items) => items.iter().any(value_writes),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn javascript_operators_are_refused_at_any_depth() {
        let filters = [
            (doc! { "$where": "this.a > 1" }, "$where", "filter.$where"),
            (
                doc! { "$or": [{ "a": 1 }, { "$where": "1" }] },
                "$where",
                "filter.$or.1.$where",
            ),
            (
                doc! { "$expr": { "$function": { "body": "f", "args": [], "lang": "js" } } },
                "$function",
                "filter.$expr.$function",
            ),
        ];
        for (filter, operator, path) in filters {
            let refused = check_filter(&filter);
            assert_eq!(
                refused,
                Err(Refused::JavaScript {
                    operator,
                    path: path.into()
                })
            );
        }
    }

    #[test]
    fn sub_pipelines_are_checked_too() {
        let lookup = doc! { "$lookup": { "from": "b", "as": "x", "pipeline": [
            { "$match": { "$expr": { "$function": {} } } },
        ] } };
        let facet =
            doc! { "$facet": { "one": [{ "$group": { "_id": 1, "v": { "$accumulator": {} } } }] } };
        let refused = check_pipeline(&[doc! { "$match": {} }, lookup]);
        let path = "stage 1.$lookup.pipeline.0.$match.$expr.$function";
        assert_eq!(
            refused,
            Err(Refused::JavaScript {
                operator: "$function",
                path: path.into()
            })
        );
        let message = check_pipeline(&[facet])
            .err()
            .map(|refused| refused.to_string());
        assert!(message.is_some_and(|message| message.starts_with("$accumulator is not allowed")));
    }

    #[test]
    fn ordinary_queries_and_literal_data_pass() {
        let filter = doc! { "a": { "$gt": 1 }, "b": { "$regex": "^x" }, "where": "$where" };
        assert_eq!(check_filter(&filter), Ok(()));
        let stages = [
            doc! { "$match": { "$expr": { "$eq": ["$a", { "$literal": { "$where": 1 } }] } } },
            doc! { "$group": { "_id": "$a", "n": { "$sum": 1 } } },
        ];
        assert_eq!(check_pipeline(&stages), Ok(()));
    }

    #[test]
    fn output_stages_are_found() {
        assert!(writes_output(&[
            doc! { "$match": {} },
            doc! { "$out": "c" }
        ]));
        assert!(writes_output(&[doc! { "$merge": { "into": "c" } }]));
        let nested = doc! { "$facet": { "a": [{ "$merge": "c" }] } };
        assert!(writes_output(&[nested]));
        assert!(!writes_output(&[doc! { "$match": { "out": "$out" } }]));
        assert!(!writes_output(&[
            doc! { "$project": { "x": { "$literal": { "$out": 1 } } } }
        ]));
    }
}
