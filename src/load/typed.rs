//! Deserializing a parsed TOML table so that one wrong-typed value does not
//! hide the others.
//!
//! serde stops at the first value of the wrong type. Here each such value is
//! reported at its own line and column (what was expected, and how to write
//! it), taken out of the table, and the rest deserialized again, so one run
//! shows every such mistake and the later checks still see everything else.
//! The keys taken out are remembered as [`Refused`], so no later check
//! reports them a second time as missing. Publication files and
//! `briefpress.toml` are both read this way.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::value::Datetime;
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use crate::diag::{Code, Diagnostic, SourceText};

/// The most wrong-typed values reported in one file: each costs one more
/// pass over the table, so a hostile file cannot make this quadratic. One
/// more is reported as the point where checking stopped.
pub const MAX_REFUSED: usize = 20;

/// One step on the way to a value: a key, or an entry of a list.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Entry(usize),
}

/// Where a key sits: at the top of the file, or in one entry of a list of tables.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    /// A key of the file itself.
    Top,
    /// A key of entry `index` of the list `list` (`sections`, …).
    Entry(&'a str, usize),
}

/// Keys whose values were refused for their type (and already reported).
#[derive(Debug, Default)]
pub struct Refused(HashSet<String>);

impl Refused {
    /// Whether the value of `key` at `place` was refused.
    pub fn has(&self, place: Place<'_>, key: &str) -> bool {
        let path = match place {
            Place::Top => key.to_string(),
            Place::Entry(list, index) => format!("{list}.{index}.{key}"),
        };
        self.0.contains(&path)
    }
}

/// Deserializes `table` as a `T`, reporting every value of the wrong type.
/// Returns `None` only when a mistake could not be set aside (then the
/// diagnostics say why); `T` must accept any of its keys missing.
pub fn deserialize<T: DeserializeOwned>(
    mut table: Table,
    source: &SourceText,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(T, Refused)> {
    let mut refused = Refused::default();
    loop {
        let err = match toml_edit::de::from_document::<T>(DocumentMut::from(table.clone())) {
            Ok(value) => return Some((value, refused)),
            Err(err) => err,
        };
        if refused.0.len() >= MAX_REFUSED {
            diagnostics.push(unchecked(source, &err));
            return None;
        }
        let mut path = Vec::new();
        let located = err.span().filter(|span| locate(&table, span, &mut path));
        let Some(span) = located else {
            diagnostics.push(fallback(source, &err));
            return None;
        };
        let item = item_at(&table, &path);
        diagnostics.push(wrong_type(source, &err, span, &path, item));
        if !remove(&mut table, &path) {
            return None;
        }
        refused.0.insert(dotted(&path));
    }
}

/// Where checking stopped, past [`MAX_REFUSED`] wrong-typed values: one
/// message for everything not looked at, rather than silence.
fn unchecked(source: &SourceText, err: &toml_edit::de::Error) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        format!(
            "more than {MAX_REFUSED} values have the wrong type: only the first {MAX_REFUSED} \
             are reported, and the file's other checks did not run"
        ),
    )
    .at(source, err.span())
    .hint("fix the values reported above, then run `briefpress check` again to see the rest")
}

/// Finds the innermost key whose value spans `span`, as a path from `table`.
fn locate(table: &dyn TableLike, span: &Range<usize>, path: &mut Vec<Step>) -> bool {
    for (key, item) in table.iter() {
        path.push(Step::Key(key.to_string()));
        let within = item
            .span()
            .is_some_and(|s| s.start <= span.start && span.end <= s.end);
        if descend(item, span, path) || within {
            return true;
        }
        path.pop();
    }
    false
}

/// Looks for `span` in the tables held by `item`.
fn descend(item: &Item, span: &Range<usize>, path: &mut Vec<Step>) -> bool {
    let tables: Vec<&dyn TableLike> = match item {
        Item::Table(table) => return locate(table, span, path),
        Item::Value(Value::InlineTable(table)) => return locate(table, span, path),
        Item::ArrayOfTables(tables) => tables.iter().map(|t| t as &dyn TableLike).collect(),
        Item::Value(Value::Array(values)) => values
            .iter()
            .filter_map(Value::as_inline_table)
            .map(|t| t as &dyn TableLike)
            .collect(),
        _ => return false,
    };
    for (index, table) in tables.into_iter().enumerate() {
        path.push(Step::Entry(index));
        if locate(table, span, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// The item at `path`, when it is there.
fn item_at<'a>(table: &'a dyn TableLike, path: &[Step]) -> Option<&'a Item> {
    let (Step::Key(key), rest) = path.split_first()? else {
        return None;
    };
    let item = table.get(key)?;
    match rest {
        [] => Some(item),
        [Step::Entry(index), rest @ ..] => item_at(entry(item, *index)?, rest),
        rest => item_at(item.as_table_like()?, rest),
    }
}

/// Entry `index` of a list of tables (`[[…]]` or an array of inline tables).
fn entry(item: &Item, index: usize) -> Option<&dyn TableLike> {
    match item {
        Item::ArrayOfTables(tables) => tables.get(index).map(|t| t as &dyn TableLike),
        Item::Value(Value::Array(values)) => values
            .get(index)?
            .as_inline_table()
            .map(|t| t as &dyn TableLike),
        _ => None,
    }
}

/// Takes the key at `path` out of `table`; false when it is not there.
fn remove(table: &mut dyn TableLike, path: &[Step]) -> bool {
    let Some((Step::Key(key), rest)) = path.split_first() else {
        return false;
    };
    if rest.is_empty() {
        return table.remove(key).is_some();
    }
    let Some(item) = table.get_mut(key) else {
        return false;
    };
    match rest {
        [Step::Entry(index), rest @ ..] => {
            let inner: Option<&mut dyn TableLike> = match item {
                Item::ArrayOfTables(tables) => {
                    tables.get_mut(*index).map(|t| t as &mut dyn TableLike)
                }
                Item::Value(Value::Array(values)) => values
                    .get_mut(*index)
                    .and_then(Value::as_inline_table_mut)
                    .map(|t| t as &mut dyn TableLike),
                _ => None,
            };
            inner.is_some_and(|inner| remove(inner, rest))
        }
        rest => item
            .as_table_like_mut()
            .is_some_and(|inner| remove(inner, rest)),
    }
}

/// `sections.2.title`, the form [`Refused`] keeps.
fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        if !out.is_empty() {
            out.push('.');
        }
        match step {
            Step::Key(key) => out.push_str(key),
            Step::Entry(index) => {
                let _ = write!(out, "{index}");
            }
        }
    }
    out
}

/// A value of the wrong type: what the key needs, and how to write it.
fn wrong_type(
    source: &SourceText,
    err: &toml_edit::de::Error,
    span: Range<usize>,
    path: &[Step],
    item: Option<&Item>,
) -> Diagnostic {
    let key = match path.last() {
        Some(Step::Key(key)) => key.as_str(),
        _ => "",
    };
    let message = err.message().trim();
    let expected = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
        .map(|(_, expected)| Expected::from_serde(expected));
    let (Some(expected), Some(item)) = (expected, item) else {
        return fallback(source, err);
    };
    let written = source.text.get(span.clone()).unwrap_or("").trim();
    let diag = Diagnostic::error(
        Code::InvalidValue,
        format!("`{key}` must be {}, not {}", expected.noun(), kind(item)),
    )
    .at(source, Some(span));
    match expected.hint(key, item, written) {
        Some(hint) => diag.hint(hint),
        None => diag,
    }
}

/// A serde error that could not be tied to one key, worded as serde has it.
fn fallback(source: &SourceText, err: &toml_edit::de::Error) -> Diagnostic {
    let message = err.message().trim().replace('\n', ": ");
    let mut diag = Diagnostic::error(Code::InvalidValue, message.clone()).at(source, err.span());
    if message.contains("datetime") {
        diag = diag.hint("write dates as bare TOML dates without quotes, e.g. `date = 2021-10-19`");
    }
    diag
}

/// What a key's type asks for, from serde's "expected …".
enum Expected {
    Text,
    Date,
    Boolean,
    List,
    Table,
    Other(String),
}

impl Expected {
    fn from_serde(expected: &str) -> Self {
        match expected {
            "a string" => Self::Text,
            "a boolean" => Self::Boolean,
            "a sequence" => Self::List,
            e if e.contains("datetime") => Self::Date,
            e if e.starts_with("struct ") || e.contains("map") => Self::Table,
            e => Self::Other(e.to_string()),
        }
    }

    fn noun(&self) -> &str {
        match self {
            Self::Text => "a string",
            Self::Date => "a date",
            Self::Boolean => "`true` or `false`",
            Self::List => "a list",
            Self::Table => "a table",
            Self::Other(e) => e,
        }
    }

    /// How to write `key` right, given the value `written` as it stands.
    fn hint(&self, key: &str, item: &Item, written: &str) -> Option<String> {
        let value = item.as_value();
        Some(match self {
            Self::Text => match value {
                Some(
                    Value::Integer(_) | Value::Float(_) | Value::Boolean(_) | Value::Datetime(_),
                ) => {
                    format!("put it in quotes: `{key} = \"{written}\"`")
                }
                _ => format!("write one string in quotes, e.g. `{key} = \"…\"`"),
            },
            Self::Date => match value.and_then(Value::as_str) {
                Some(text) if is_plain_date(text) => {
                    format!("write the date without quotes: `{key} = {}`", text.trim())
                }
                _ => "write dates as bare TOML dates without quotes, e.g. `date = 2021-10-19`"
                    .to_string(),
            },
            Self::Boolean => format!("write `{key} = true` or `{key} = false`, without quotes"),
            Self::List | Self::Table
                if matches!(key, "sections" | "highlights" | "attachments") =>
            {
                format!("write each entry as a `[[{key}]]` table with its keys below it")
            }
            Self::List => match value {
                Some(Value::Array(_) | Value::InlineTable(_)) | None => {
                    format!("write a list in square brackets, e.g. `{key} = [\"…\", \"…\"]`")
                }
                Some(_) => format!("write a list in square brackets: `{key} = [{written}]`"),
            },
            Self::Table => format!("write `[{key}]` on a line of its own, with its keys below it"),
            Self::Other(_) => return None,
        })
    }
}

/// Whether `text` is a calendar date a bare TOML date can hold.
fn is_plain_date(text: &str) -> bool {
    text.trim()
        .parse::<Datetime>()
        .is_ok_and(|dt| dt.date.is_some() && dt.time.is_none() && dt.offset.is_none())
}

/// What kind of value `item` is, in the words of the messages.
fn kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(Value::String(_)) => "a string",
        Item::Value(Value::Integer(_) | Value::Float(_)) => "a number",
        Item::Value(Value::Boolean(_)) => "a boolean",
        Item::Value(Value::Datetime(_)) => "a date",
        Item::Value(Value::Array(_)) => "a list",
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "a list of tables",
    }
}
