//! Bulk actions from the key list: delete, or set a TTL on, every key the
//! current filter matches. A dry run counts them first and the confirmation
//! shows the count and a few names; the action then runs in batches with
//! its progress in the status bar, and Esc stops it after the batch in
//! flight, so the closing message says exactly what was done.

use super::modal::{Confirm, Confirmed, Modal, Prompt, PromptKind};
use super::value::{TtlInput, parse_ttl};
use super::{State, keys};
use crate::domain::redis::{BulkAction, BulkOutcome, BulkPreview, KeyFilter};
use crate::driver::DriverError;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{BulkProgress, Request, Response, TtlChange};

/// How many key names the confirmation shows.
const SAMPLE: u32 = 5;

/// A bulk action waiting for its dry run, or running.
#[derive(Clone, Debug, PartialEq)]
pub struct Bulk {
    pub filter: KeyFilter,
    pub action: BulkAction,
    /// Set once the action runs.
    pub progress: Option<BulkProgress>,
}

/// `X`: delete every key matching the filter, after a dry run.
pub fn ask_delete(state: &mut State) -> Vec<Effect> {
    dry_run(state, BulkAction::Delete)
}

/// `E`: ask for a TTL, then set it on every key matching the filter.
pub fn ask_ttl(state: &mut State) -> Vec<Effect> {
    if state.refuse_write() || state.session.is_none() {
        return Vec::new();
    }
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::BulkTtl,
        input: String::new(),
    }));
    Vec::new()
}

/// The TTL prompt was submitted.
pub fn on_ttl(state: &mut State, input: &str) -> Vec<Effect> {
    match parse_ttl(input) {
        TtlInput::Change(TtlChange::Seconds(seconds)) => {
            dry_run(state, BulkAction::Expire(seconds))
        }
        TtlInput::Change(TtlChange::Persist) => {
            state.error("a bulk TTL needs a duration such as 90s, 10m or 2h");
            Vec::new()
        }
        TtlInput::WouldDelete => {
            state.error("a TTL of 0 or less would delete the keys: use X to delete them");
            Vec::new()
        }
        TtlInput::Invalid(why) => {
            state.error(why);
            Vec::new()
        }
    }
}

fn dry_run(state: &mut State, action: BulkAction) -> Vec<Effect> {
    if state.refuse_write() {
        return Vec::new();
    }
    if state
        .keys
        .bulk
        .as_ref()
        .is_some_and(|b| b.progress.is_some())
    {
        state.error("a bulk action is running: Esc stops it");
        return Vec::new();
    }
    let filter = state.keys.filter.clone();
    state.info(format!(
        "counting the keys matching {}…",
        filter.match_pattern()
    ));
    state.keys.bulk = Some(Bulk {
        filter: filter.clone(),
        action,
        progress: None,
    });
    let request = Request::BulkPreview {
        filter,
        sample: SAMPLE,
    };
    state.submit(Slot::BulkPreview, request)
}

/// The dry run came back: ask to go ahead, showing the count and a sample.
pub fn on_preview(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let Some(bulk) = state.keys.bulk.take() else {
        return Vec::new();
    };
    match result {
        Ok(Response::BulkPreview(preview)) if preview.matched == 0 => state.info(format!(
            "no key matches {}: nothing to do",
            bulk.filter.match_pattern()
        )),
        Ok(Response::BulkPreview(preview)) => {
            state.modal = Some(Modal::Confirm(Confirm {
                question: question(&bulk, &preview),
                on_yes: Confirmed::Bulk(bulk.filter, bulk.action),
            }));
        }
        Ok(_) => {}
        Err(error) => state.error(format!("could not count the keys: {error}")),
    }
    Vec::new()
}

fn question(bulk: &Bulk, preview: &BulkPreview) -> String {
    let what = match bulk.action {
        BulkAction::Delete => "Delete".to_owned(),
        BulkAction::Expire(seconds) => format!("Set a TTL of {seconds}s on"),
    };
    let sample: Vec<String> = preview.sample.iter().map(|k| k.escaped()).collect();
    let more = if preview.matched > preview.sample.len() as u64 {
        ", …"
    } else {
        ""
    };
    format!(
        "{what} {} keys matching {} ({}{more})?",
        crate::tui::text::count(preview.matched),
        bulk.filter.match_pattern(),
        sample.join(", ")
    )
}

/// The user said yes: run the action.
pub fn run(state: &mut State, filter: KeyFilter, action: BulkAction) -> Vec<Effect> {
    if state.refuse_write() {
        return Vec::new();
    }
    let progress = BulkProgress::default();
    state.keys.bulk = Some(Bulk {
        filter: filter.clone(),
        action,
        progress: Some(progress.clone()),
    });
    let request = Request::Bulk {
        filter,
        action,
        progress,
    };
    state.submit(Slot::Bulk, request)
}

/// Esc while the action runs: stop after the batch in flight. The job is
/// not cancelled, so its outcome still counts everything it did.
pub fn stop(state: &mut State) -> bool {
    let Some(progress) = state.keys.bulk.as_ref().and_then(|b| b.progress.as_ref()) else {
        return false;
    };
    progress.stop();
    state.info("stopping after the current batch…");
    true
}

/// The action finished, was stopped, or failed: say exactly what it did,
/// then list the keys again.
pub fn on_done(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let Some(bulk) = state.keys.bulk.take() else {
        return Vec::new();
    };
    let done = bulk
        .progress
        .as_ref()
        .map(BulkProgress::outcome)
        .unwrap_or_default();
    match result {
        Ok(Response::Bulk(outcome)) => state.info(summary(&bulk, &outcome)),
        Ok(_) => {}
        Err(error) => state.error(format!("{} ({error})", summary(&bulk, &done))),
    }
    keys::start_scan(state)
}

/// "deleted 298 of 300 keys matching k:*, 2 failed" and its variants.
pub fn summary(bulk: &Bulk, outcome: &BulkOutcome) -> String {
    let verb = match bulk.action {
        BulkAction::Delete => "deleted",
        BulkAction::Expire(_) => "set the TTL of",
    };
    let stopped = if outcome.cancelled { "stopped: " } else { "" };
    format!(
        "{stopped}{verb} {} of {} keys matching {}, {} failed",
        crate::tui::text::count(outcome.succeeded),
        crate::tui::text::count(outcome.matched),
        bulk.filter.match_pattern(),
        crate::tui::text::count(outcome.failed)
    )
}

/// The status bar's progress text while the action runs.
pub fn progress_text(bulk: &Bulk) -> Option<String> {
    let outcome = bulk.progress.as_ref()?.outcome();
    let verb = match bulk.action {
        BulkAction::Delete => "deleting",
        BulkAction::Expire(_) => "setting TTLs",
    };
    Some(format!(
        "{verb}: {} done, {} failed (Esc stops)",
        crate::tui::text::count(outcome.succeeded),
        crate::tui::text::count(outcome.failed)
    ))
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::ByteString;
    use crate::tui::event::Event;
    use crate::tui::state::tests::{Harness, key_info};

    fn preview(matched: u64, names: &[&str]) -> Response {
        Response::BulkPreview(BulkPreview {
            matched,
            sample: names.iter().map(|n| ByteString::from(*n)).collect(),
        })
    }

    /// The filter set to the glob `k:*` and the key list loaded.
    fn filtered() -> Harness {
        let mut h = Harness::with_keys(vec![key_info(b"k:1"), key_info(b"k:2")], None);
        h.state.keys.filter = KeyFilter::Glob("k:*".into());
        h
    }

    #[test]
    fn bulk_delete_counts_first_then_asks_with_count_and_sample() {
        let mut h = filtered();
        h.press(KeyCode::Char('X'));
        let id = h.last(|r| matches!(r, Request::BulkPreview { .. }));
        let (_, _, request) = h.jobs.last().cloned().unwrap();
        assert_eq!(
            request,
            Request::BulkPreview {
                filter: KeyFilter::Glob("k:*".into()),
                sample: SAMPLE,
            }
        );
        h.reply(id, Ok(preview(1_200, &["k:1", "k\n2"])));
        let Some(Modal::Confirm(confirm)) = &h.state.modal else {
            panic!("the dry run must end in a confirmation");
        };
        assert_eq!(
            confirm.question,
            "Delete 1,200 keys matching k:* (k:1, k\\n2, …)?"
        );
    }

    #[test]
    fn esc_stops_a_running_bulk_delete_and_the_result_says_what_it_did() {
        let mut h = filtered();
        h.press(KeyCode::Char('X'));
        let id = h.last(|r| matches!(r, Request::BulkPreview { .. }));
        h.reply(id, Ok(preview(3, &["k:1", "k:2", "k:3"])));
        h.press(KeyCode::Char('y'));
        let id = h.last(|r| matches!(r, Request::Bulk { .. }));
        let Some((
            _,
            _,
            Request::Bulk {
                progress, action, ..
            },
        )) = h.jobs.last().cloned()
        else {
            panic!("yes must start the action");
        };
        assert_eq!(action, BulkAction::Delete);

        let effects = h.press(KeyCode::Esc);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Cancel(_))),
            "the job runs on to the end of its batch"
        );
        assert!(progress.outcome().cancelled);
        assert_eq!(h.message(), "stopping after the current batch…");

        let outcome = BulkOutcome {
            matched: 2,
            succeeded: 1,
            failed: 1,
            cancelled: true,
        };
        let scans = h.job_count();
        h.reply(id, Ok(Response::Bulk(outcome)));
        assert_eq!(
            h.message(),
            "stopped: deleted 1 of 2 keys matching k:*, 1 failed"
        );
        assert!(h.state.keys.bulk.is_none());
        assert_eq!(h.job_count(), scans + 1, "the key list is read again");
    }

    #[test]
    fn bulk_ttl_asks_for_a_duration_and_refuses_none() {
        let mut h = filtered();
        let ctrl_t = KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL);
        h.send(Event::Key(ctrl_t));
        assert!(matches!(
            &h.state.modal,
            Some(Modal::Prompt(p)) if p.kind == PromptKind::BulkTtl
        ));
        h.typed("10m");
        h.press(KeyCode::Enter);
        let id = h.last(|r| matches!(r, Request::BulkPreview { .. }));
        h.reply(id, Ok(preview(0, &[])));
        assert_eq!(h.message(), "no key matches k:*: nothing to do");

        h.send(Event::Key(ctrl_t));
        let jobs = h.job_count();
        h.press(KeyCode::Enter);
        assert_eq!(h.job_count(), jobs, "an empty TTL sends nothing");
        assert!(h.message().contains("needs a duration"), "{}", h.message());
    }

    #[test]
    fn bulk_actions_are_refused_on_read_only_connections() {
        let mut h = Harness::connected(true);
        let jobs = h.job_count();
        h.press(KeyCode::Char('X'));
        assert_eq!(h.job_count(), jobs);
        assert!(h.message().contains("read-only"), "{}", h.message());
    }
}
