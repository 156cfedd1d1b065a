//! Reading documents: one page of a query at a time, counts on demand, and
//! the field paths of a sample for the query builder.
//!
//! A page asks for one document more than it shows, to know whether
//! another page follows without counting. Later pages seek past the last
//! `_id` when the sort allows it, so page 1,000 costs what page 2 does.

use std::collections::BTreeMap;

use bson::spec::ElementType;
use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;

use super::{MongoClient, millis};
use crate::domain::mongo::{
    Count, DocumentPage, FindRequest, Namespace, PageCursor, Position, SampledField, id_seek,
};
use crate::driver::DriverError;

/// The most field paths a sample reports; wider documents are cut here.
const MAX_FIELDS: usize = 1_000;

/// How deep into nested documents a sample looks.
const MAX_DEPTH: usize = 20;

/// Reads one page of a query.
pub async fn find_page(
    client: &MongoClient,
    find: &FindRequest,
) -> Result<DocumentPage, DriverError> {
    let served = find.cursor.as_ref().map_or(0, |c| c.served);
    let left = find
        .limit
        .map_or(u64::MAX, |limit| limit.saturating_sub(served));
    let take = u64::from(find.page_size.max(1)).min(left);
    if take == 0 {
        return Ok(DocumentPage {
            items: Vec::new(),
            next: None,
            complete: true,
        });
    }
    let seek = id_seek(&find.sort);
    let (filter, skip) = match &find.cursor {
        Some(cursor) => (
            cursor.position.filter(&find.filter),
            skip_of(&cursor.position),
        ),
        None => (find.filter.clone(), find.skip),
    };
    let sort = match seek {
        // Natural order has no stable "after"; `_id` order does, on an index.
        Some(_) if find.sort.is_empty() => doc! { "_id": 1 },
        _ => find.sort.clone(),
    };

    let collection = client.collection(&find.ns);
    let mut action = collection
        .find(filter)
        .sort(sort)
        .skip(skip)
        .limit(i64::try_from(take + 1).unwrap_or(i64::MAX))
        .batch_size(u32::try_from(take + 1).unwrap_or(u32::MAX));
    if let Some(projection) = &find.projection {
        action = action.projection(projection.clone());
    }
    if let Some(ms) = find.max_time_ms {
        action = action.max_time(millis(ms));
    }
    let mut items: Vec<Document> = client
        .timed_for(find.max_time_ms, async {
            action.await?.try_collect().await
        })
        .await?;

    // The extra document says more follow, unless the limit ends here.
    let more = items.len() as u64 > take && take < left;
    items.truncate(usize::try_from(take).unwrap_or(usize::MAX));
    let next = more.then(|| next_cursor(find, seek, served, skip, &items));
    Ok(DocumentPage {
        items,
        complete: next.is_none(),
        next,
    })
}

fn skip_of(position: &Position) -> u64 {
    match position {
        Position::Skip(n) => *n,
        Position::AfterId { .. } => 0,
    }
}

/// Where the page after `items` starts: past its last `_id` when the sort
/// allows a seek and the projection kept `_id`, else further on by skip.
fn next_cursor(
    find: &FindRequest,
    seek: Option<bool>,
    served: u64,
    skip: u64,
    items: &[Document],
) -> PageCursor {
    let shown = items.len() as u64;
    let last_id = items.last().and_then(|doc| doc.get("_id")).cloned();
    let position = match (seek, last_id) {
        (Some(descending), Some(last)) => Position::AfterId { last, descending },
        // Without an `_id` to seek from, count from the query's start.
        _ => match &find.cursor {
            Some(PageCursor {
                position: Position::Skip(_),
                ..
            }) => Position::Skip(skip + shown),
            _ if find.cursor.is_none() => Position::Skip(find.skip + shown),
            _ => Position::Skip(find.skip + served + shown),
        },
    };
    PageCursor {
        served: served + shown,
        position,
    }
}

/// The count from collection metadata: instant at any size, but
/// approximate (and unaware of any filter).
pub async fn estimated_count(client: &MongoClient, ns: &Namespace) -> Result<Count, DriverError> {
    let n = client
        .timed(client.collection(ns).estimated_document_count())
        .await?;
    Ok(Count {
        n,
        approximate: true,
    })
}

/// Counts the documents matching `filter`. It may run long on a large
/// collection, so it has no response timeout: the job's cancellation stops
/// waiting for it.
pub async fn exact_count(
    client: &MongoClient,
    ns: &Namespace,
    filter: &Document,
) -> Result<Count, DriverError> {
    let n = client
        .collection(ns)
        .count_documents(filter.clone())
        .await
        .map_err(super::map_error)?;
    Ok(Count {
        n,
        approximate: false,
    })
}

/// The field paths of up to `n` documents, sorted, each with the types it
/// held. `$sample` picks documents at random where the server has it.
pub async fn sample_fields(
    client: &MongoClient,
    ns: &Namespace,
    n: u32,
) -> Result<Vec<SampledField>, DriverError> {
    let collection = client.collection(ns);
    let pipeline = [doc! { "$sample": { "size": i64::from(n) } }];
    let sampled: Result<Vec<Document>, DriverError> = client
        .timed(async { collection.aggregate(pipeline).await?.try_collect().await })
        .await;
    let docs = match sampled {
        Ok(docs) => docs,
        // A server without `$sample` still has a first `n`.
        Err(DriverError::InvalidInput(_) | DriverError::Server(_)) => {
            let first = collection.find(doc! {}).limit(i64::from(n));
            client
                .timed(async { first.await?.try_collect().await })
                .await?
        }
        Err(other) => return Err(other),
    };
    Ok(field_paths(&docs))
}

/// Every field path in `docs`, nested documents and documents inside
/// arrays included, with the distinct types seen at each.
pub(crate) fn field_paths(docs: &[Document]) -> Vec<SampledField> {
    let mut seen: BTreeMap<String, Vec<ElementType>> = BTreeMap::new();
    for doc in docs {
        walk(doc, "", 0, &mut seen);
    }
    seen.into_iter()
        .map(|(path, types)| SampledField { path, types })
        .collect()
}

fn walk(doc: &Document, prefix: &str, depth: usize, seen: &mut BTreeMap<String, Vec<ElementType>>) {
    for (key, value) in doc {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if !seen.contains_key(&path) && seen.len() >= MAX_FIELDS {
            continue;
        }
        let types = seen.entry(path.clone()).or_default();
        if !types.contains(&value.element_type()) {
            types.push(value.element_type());
        }
        if depth >= MAX_DEPTH {
            continue;
        }
        match value {
            Bson::Document(inner) => walk(inner, &path, depth + 1, seen),
            Bson::Array(items) => {
                for inner in items.iter().filter_map(Bson::as_document) {
                    walk(inner, &path, depth + 1, seen);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_paths_go_into_documents_and_arrays() {
        let docs = [
            doc! {"_id": 1, "a": {"b": 1, "c": [{"d": "x"}, 2]}},
            doc! {"_id": "2", "a": "text"},
        ];
        let fields = field_paths(&docs);
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["_id", "a", "a.b", "a.c", "a.c.d"]);
        assert_eq!(fields[0].types, [ElementType::Int32, ElementType::String]);
        assert_eq!(
            fields[1].types,
            [ElementType::EmbeddedDocument, ElementType::String]
        );
    }

    fn request(sort: Document, cursor: Option<PageCursor>) -> FindRequest {
        FindRequest {
            ns: Namespace::new("d", "c"),
            filter: doc! {},
            projection: None,
            sort,
            skip: 3,
            limit: None,
            page_size: 2,
            max_time_ms: None,
            cursor,
        }
    }

    #[test]
    fn the_next_page_seeks_on_id_when_the_sort_allows() {
        let items = [doc! {"_id": 1}, doc! {"_id": 2}];
        let find = request(doc! {"_id": -1}, None);
        let next = next_cursor(&find, id_seek(&find.sort), 0, 3, &items);
        assert_eq!(next.served, 2);
        assert_eq!(
            next.position,
            Position::AfterId {
                last: Bson::Int32(2),
                descending: true
            }
        );
    }

    #[test]
    fn other_sorts_and_hidden_ids_fall_back_to_skip() {
        let items = [doc! {"a": 1}, doc! {"a": 2}];
        let first = request(doc! {"a": 1}, None);
        let next = next_cursor(&first, None, 0, 3, &items);
        assert_eq!(next.position, Position::Skip(5));

        let later = request(doc! {"a": 1}, Some(next));
        let after = next_cursor(&later, None, 2, 5, &items);
        assert_eq!(after.position, Position::Skip(7));
        assert_eq!(after.served, 4);

        // Seeking pages, then a page without `_id` (projected away).
        let seeking = PageCursor {
            served: 4,
            position: Position::AfterId {
                last: Bson::Int32(9),
                descending: false,
            },
        };
        let hidden = request(doc! {}, Some(seeking));
        let next = next_cursor(&hidden, Some(false), 4, 0, &items);
        assert_eq!(next.position, Position::Skip(9));
    }
}
