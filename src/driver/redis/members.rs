//! Member-level writes: hash fields, list items, set and sorted-set members,
//! stream entries. Every edit runs only while its key exists, so a key that
//! another client deleted is reported as gone instead of being recreated
//! with one member.
//!
//! The existence check and the command run together in a tiny Lua script,
//! which makes them atomic. A user whose ACL denies scripting (or a server
//! with EVAL renamed) still gets the check, as EXISTS followed by the
//! command: a narrower but real window, better than no check.

use redis::{Cmd, FromRedisValue, Value};

use super::RedisClient;
use crate::domain::ByteString;
use crate::domain::redis_edit::{EditResult, ListEnd, MemberEdit};
use crate::driver::DriverError;

/// The most members, fields or IDs one write takes: Lua's `unpack` has a
/// stack limit of a few thousand values, and an editor never needs more.
pub const MAX_ITEMS: usize = 2048;

/// Runs `ARGV[1]` on `KEYS[1]` with the rest of `ARGV`, or answers nil when
/// the key does not exist. Every command used here answers something else.
const ON_EXISTING: &str = "if redis.call('EXISTS', KEYS[1]) == 0 then return false end \
     return redis.call(ARGV[1], KEYS[1], unpack(ARGV, 2))";

/// Applies one edit to an existing key and says what it changed.
pub async fn edit_members(
    client: &RedisClient,
    key: &ByteString,
    edit: &MemberEdit,
) -> Result<EditResult, DriverError> {
    let (command, args) = command_for(edit)?;
    let reply = run_on_existing(client, key, command, &args).await?;
    let decoded = match edit {
        MemberEdit::ListPush { .. } => EditResult::Length(decode(reply)?),
        MemberEdit::ListSet { .. } | MemberEdit::ListTrim { .. } => EditResult::Done,
        MemberEdit::StreamAdd { .. } => EditResult::EntryId(decode(reply)?),
        _ => EditResult::Changed(decode(reply)?),
    };
    Ok(decoded)
}

/// The command and its arguments after the key, checked for what the
/// server would refuse less clearly (empty lists, too many items).
fn command_for(edit: &MemberEdit) -> Result<(&'static str, Vec<Vec<u8>>), DriverError> {
    let bytes = |items: &[ByteString]| items.iter().map(|b| b.as_bytes().to_vec()).collect();
    let (command, args): (&str, Vec<Vec<u8>>) = match edit {
        MemberEdit::HashSet { field, value } => ("HSET", vec![own(field), own(value)]),
        MemberEdit::HashDelete { fields } => ("HDEL", bytes(fields)),
        MemberEdit::ListPush { end, items } => (push_command(*end), bytes(items)),
        MemberEdit::ListSet { index, item } => ("LSET", vec![number(*index), own(item)]),
        MemberEdit::ListRemove { count, item } => ("LREM", vec![number(*count), own(item)]),
        MemberEdit::ListTrim { start, stop } => ("LTRIM", vec![number(*start), number(*stop)]),
        MemberEdit::SetAdd { members } => ("SADD", bytes(members)),
        MemberEdit::SetRemove { members } => ("SREM", bytes(members)),
        MemberEdit::ZsetAdd { member, score } => (
            "ZADD",
            vec![score.as_str().as_bytes().to_vec(), own(member)],
        ),
        MemberEdit::ZsetRemove { members } => ("ZREM", bytes(members)),
        MemberEdit::StreamAdd { id, fields } => {
            if fields.is_empty() {
                return Err(empty("a stream entry needs at least one field"));
            }
            let mut args = vec![id.as_str().as_bytes().to_vec()];
            for pair in fields {
                args.push(own(&pair.field));
                args.push(own(&pair.value));
            }
            ("XADD", args)
        }
        MemberEdit::StreamDelete { ids } => (
            "XDEL",
            ids.iter().map(|id| id.as_bytes().to_vec()).collect(),
        ),
    };
    check_count(args.len())?;
    Ok((command, args))
}

fn push_command(end: ListEnd) -> &'static str {
    match end {
        ListEnd::Head => "LPUSH",
        ListEnd::Tail => "RPUSH",
    }
}

fn own(bytes: &ByteString) -> Vec<u8> {
    bytes.as_bytes().to_vec()
}

fn number(n: i64) -> Vec<u8> {
    n.to_string().into_bytes()
}

fn empty(message: &str) -> DriverError {
    DriverError::InvalidInput(message.to_owned())
}

/// Refuses a write with nothing in it, or more than `MAX_ITEMS` items.
pub(super) fn check_count(args: usize) -> Result<(), DriverError> {
    if args == 0 {
        return Err(empty("nothing to write: give at least one member"));
    }
    if args > MAX_ITEMS * 2 + 1 {
        return Err(DriverError::InvalidInput(format!(
            "one write takes at most {MAX_ITEMS} members; split it"
        )));
    }
    Ok(())
}

/// Runs the command only while the key exists.
async fn run_on_existing(
    client: &RedisClient,
    key: &ByteString,
    command: &str,
    args: &[Vec<u8>],
) -> Result<Value, DriverError> {
    let mut eval = redis::cmd("EVAL");
    eval.arg(ON_EXISTING)
        .arg(1)
        .arg(key.as_bytes())
        .arg(command);
    for arg in args {
        eval.arg(arg.as_slice());
    }
    match client.query::<Value>(&eval).await {
        Ok(Value::Nil) => Err(DriverError::NotFound),
        Ok(reply) => Ok(reply),
        Err(error) if scripts_refused(&error) => exists_then_run(client, key, command, args).await,
        Err(error) => Err(user_facing(error)),
    }
}

/// Whether EVAL itself was refused, as opposed to the command inside it.
pub(super) fn scripts_refused(error: &DriverError) -> bool {
    match error {
        DriverError::NotPermitted(message) => !message.contains("script:"),
        DriverError::Server(message) => message.starts_with("unknown command 'EVAL'"),
        _ => false,
    }
}

/// The fallback without scripting: EXISTS, then the command.
async fn exists_then_run(
    client: &RedisClient,
    key: &ByteString,
    command: &str,
    args: &[Vec<u8>],
) -> Result<Value, DriverError> {
    let exists: i64 = client
        .query(redis::cmd("EXISTS").arg(key.as_bytes()))
        .await?;
    if exists == 0 {
        return Err(DriverError::NotFound);
    }
    let mut cmd: Cmd = redis::cmd(command);
    cmd.arg(key.as_bytes());
    for arg in args {
        cmd.arg(arg.as_slice());
    }
    client.query(&cmd).await.map_err(user_facing)
}

/// Drops the " script: <sha>, on @user_script:1." tail a server adds to an
/// error raised inside a script, and calls the user's own mistakes (an
/// index past the end, an entry ID not after the last one) invalid input.
pub(super) fn user_facing(error: DriverError) -> DriverError {
    let plain = |message: String| match message.split_once(" script: ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    };
    match error {
        DriverError::Server(message) => {
            let message = plain(message);
            let users_mistake = [
                "index out of range",
                "The ID specified in XADD",
                "Invalid stream ID",
            ]
            .iter()
            .any(|phrase| message.contains(phrase));
            if users_mistake {
                DriverError::InvalidInput(message)
            } else {
                DriverError::Server(message)
            }
        }
        DriverError::WrongType(message) => DriverError::WrongType(plain(message)),
        DriverError::NotPermitted(message) => DriverError::NotPermitted(plain(message)),
        other => other,
    }
}

fn decode<T: FromRedisValue>(reply: Value) -> Result<T, DriverError> {
    T::from_redis_value(reply).map_err(|e| DriverError::Server(format!("unexpected reply: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::redis::FieldValue;
    use crate::domain::redis_edit::StreamId;

    #[test]
    fn stream_fields_go_out_in_order_after_the_id() {
        let edit = MemberEdit::StreamAdd {
            id: StreamId::auto(),
            fields: vec![
                FieldValue {
                    field: "b".into(),
                    value: ByteString::new(vec![0xff]),
                },
                FieldValue {
                    field: "a".into(),
                    value: "1".into(),
                },
            ],
        };
        let (command, args) = command_for(&edit).unwrap();
        assert_eq!(command, "XADD");
        assert_eq!(
            args,
            vec![
                b"*".to_vec(),
                b"b".to_vec(),
                vec![0xff],
                b"a".to_vec(),
                b"1".to_vec()
            ]
        );
    }

    #[test]
    fn empty_and_oversized_writes_are_refused_before_sending() {
        let none = MemberEdit::SetAdd { members: vec![] };
        assert!(matches!(
            command_for(&none),
            Err(DriverError::InvalidInput(_))
        ));
        let many = MemberEdit::SetAdd {
            members: vec![ByteString::from("m"); MAX_ITEMS * 3],
        };
        assert!(matches!(
            command_for(&many),
            Err(DriverError::InvalidInput(_))
        ));
    }

    #[test]
    fn script_errors_read_as_the_commands_own() {
        let error =
            DriverError::Server("index out of range script: bb77c3, on @user_script:1.".into());
        assert_eq!(
            user_facing(error),
            DriverError::InvalidInput("index out of range".into())
        );
        let denied = DriverError::NotPermitted(
            "this user has no permissions to run the 'eval' command".into(),
        );
        assert!(scripts_refused(&denied));
    }
}
