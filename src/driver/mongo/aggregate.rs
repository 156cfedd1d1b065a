//! Aggregation pipelines, with their results capped and `$out`/`$merge`
//! run only when the caller has the user's confirmation.

use bson::{Document, doc};
use futures::TryStreamExt as _;

use super::{MongoClient, millis};
use crate::domain::mongo::AggregateRequest;
use crate::driver::DriverError;

/// Runs a pipeline; answers at most `limit` results and whether they were
/// all. A pipeline that writes must be allowed explicitly (read-only
/// connections refuse it before it gets here).
pub async fn aggregate(
    client: &MongoClient,
    request: &AggregateRequest,
) -> Result<(Vec<Document>, bool), DriverError> {
    let writes = request.writes();
    if writes && !request.allow_output {
        return Err(DriverError::NotPermitted(
            "a $out or $merge stage writes into a collection; confirm it to run".into(),
        ));
    }
    let limit = usize::try_from(request.limit.max(1)).unwrap_or(usize::MAX);
    let pipeline = capped(&request.pipeline, limit, writes);

    let collection = client.collection(&request.ns);
    let mut action = collection.aggregate(pipeline);
    if let Some(ms) = request.max_time_ms {
        action = action.max_time(millis(ms));
    }
    let mut items: Vec<Document> = client
        .timed_for(request.max_time_ms, async {
            action.await?.try_collect().await
        })
        .await?;
    let complete = items.len() <= limit;
    items.truncate(limit);
    Ok((items, complete))
}

/// The pipeline with a `$limit` one past the cap, so the server stops early
/// and the reply still tells whether more followed. An output stage must
/// stay last, so a writing pipeline is left as it is.
fn capped(pipeline: &[Document], limit: usize, writes: bool) -> Vec<Document> {
    let mut stages = pipeline.to_vec();
    if !writes {
        let cap = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        stages.push(doc! { "$limit": cap });
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_get_a_limit_and_writes_keep_their_last_stage() {
        let read = capped(&[doc! {"$match": {}}], 10, false);
        assert_eq!(read.last(), Some(&doc! {"$limit": 11_i64}));
        let write = capped(&[doc! {"$out": "x"}], 10, true);
        assert_eq!(write, [doc! {"$out": "x"}]);
    }
}
