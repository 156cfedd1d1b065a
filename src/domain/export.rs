//! Writing rows out as CSV or JSON Lines, a row at a time.
//!
//! CSV follows PostgreSQL's `COPY … CSV` convention so NULL survives the
//! trip: NULL is an empty unquoted field, empty text is `""`. Bytes are
//! `\x…` hex. JSON Lines writes one object per row, keyed by column, with
//! `null` only for NULL and bytes as `{"base64": "…"}`, as the API does.

use std::io::{self, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::sql::{Cell, Column};

/// A file format for exported rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    /// The format a file name asks for: `.jsonl`/`.ndjson`/`.json` is JSON
    /// Lines, anything else CSV.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "ndjson" | "json") => Self::JsonLines,
            _ => Self::Csv,
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" | "json" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

/// Rows into `out` in one format.
pub struct ExportWriter<W: Write> {
    out: W,
    format: ExportFormat,
    names: Vec<String>,
    rows: u64,
}

impl<W: Write> ExportWriter<W> {
    pub fn new(out: W, format: ExportFormat) -> Self {
        Self {
            out,
            format,
            names: Vec::new(),
            rows: 0,
        }
    }

    /// The columns, written as the CSV header.
    pub fn columns(&mut self, columns: &[Column]) -> io::Result<()> {
        self.names = columns.iter().map(|c| c.name.clone()).collect();
        if self.format == ExportFormat::Csv {
            let header: Vec<String> = self.names.iter().map(|n| csv_text(n)).collect();
            writeln!(self.out, "{}", header.join(","))?;
        }
        Ok(())
    }

    pub fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        match self.format {
            ExportFormat::Csv => {
                let fields: Vec<String> = cells.iter().map(csv_field).collect();
                writeln!(self.out, "{}", fields.join(","))?;
            }
            ExportFormat::JsonLines => {
                // Written by hand to keep the columns in their own order.
                self.out.write_all(b"{")?;
                for (at, (name, cell)) in self.names.iter().zip(cells).enumerate() {
                    if at > 0 {
                        self.out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut self.out, name)?;
                    self.out.write_all(b":")?;
                    serde_json::to_writer(&mut self.out, &json_cell(cell))?;
                }
                self.out.write_all(b"}\n")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and gives back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn csv_field(cell: &Cell) -> String {
    match cell.text() {
        None => String::new(),
        Some(text) => csv_text(&text),
    }
}

/// Text as a CSV field: quoted when empty (so it differs from NULL) or when
/// it holds a comma, a quote or a line break; inner quotes doubled.
fn csv_text(text: &str) -> String {
    if text.is_empty() || text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A cell as JSON: `null` only for NULL.
pub fn json_cell(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(text) => Value::String(text.clone()),
        Cell::Integer(n) => json!(n),
        // serde_json would write a non-finite number as null.
        Cell::Real(x) if x.is_finite() => json!(x),
        Cell::Real(x) => Value::String(x.to_string()),
        Cell::Bytes(bytes) => json!({ "base64": STANDARD.encode(bytes) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        ["id", "note, with comma"]
            .map(|name| Column {
                name: name.into(),
                type_name: "text".into(),
            })
            .to_vec()
    }

    fn rows() -> Vec<Vec<Cell>> {
        vec![
            vec![Cell::Integer(1), Cell::Null],
            vec![Cell::Integer(2), Cell::Text(String::new())],
            vec![Cell::Real(7.0), Cell::Text("say \"hi\"\nthen go".into())],
            vec![Cell::Text("NULL".into()), Cell::Bytes(vec![0xde, 0xad])],
        ]
    }

    fn export(format: ExportFormat) -> String {
        let mut writer = ExportWriter::new(Vec::new(), format);
        writer.columns(&columns()).unwrap();
        for row in rows() {
            writer.row(&row).unwrap();
        }
        assert_eq!(writer.rows(), 4);
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn csv_keeps_null_apart_from_empty_text() {
        assert_eq!(
            export(ExportFormat::Csv),
            "id,\"note, with comma\"\n1,\n2,\"\"\n7.0,\"say \"\"hi\"\"\nthen go\"\nNULL,\\xdead\n"
        );
    }

    #[test]
    fn json_lines_key_by_column_with_null_only_for_null() {
        let text = export(ExportFormat::JsonLines);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0], json!({"id": 1, "note, with comma": null}));
        assert_eq!(lines[1], json!({"id": 2, "note, with comma": ""}));
        assert_eq!(
            lines[3],
            json!({"id": "NULL", "note, with comma": {"base64": "3q0="}})
        );
    }

    #[test]
    fn json_lines_keep_the_column_order() {
        let mut writer = ExportWriter::new(Vec::new(), ExportFormat::JsonLines);
        let columns = ["z", "a"].map(|name| Column {
            name: name.into(),
            type_name: String::new(),
        });
        writer.columns(&columns).unwrap();
        writer.row(&[Cell::Integer(1), Cell::Integer(2)]).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        assert_eq!(text, "{\"z\":1,\"a\":2}\n");
    }

    #[test]
    fn json_cells_never_lose_a_value() {
        assert_eq!(json_cell(&Cell::Real(f64::INFINITY)), json!("inf"));
        assert_eq!(json_cell(&Cell::Integer(i64::MAX)), json!(i64::MAX));
    }

    #[test]
    fn formats_from_names() {
        assert_eq!(
            ExportFormat::for_path(Path::new("out.jsonl")),
            ExportFormat::JsonLines
        );
        assert_eq!(
            ExportFormat::for_path(Path::new("out.csv")),
            ExportFormat::Csv
        );
        assert_eq!(ExportFormat::for_path(Path::new("out")), ExportFormat::Csv);
        assert_eq!(ExportFormat::parse("ndjson"), Some(ExportFormat::JsonLines));
        assert_eq!(ExportFormat::parse("xml"), None);
    }
}
