//! An export job: a statement's rows streamed into a file, counted as they
//! go so the screen can show progress. The file is written under a
//! temporary name and renamed when complete, so a cancelled or failed
//! export leaves nothing that looks finished.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::export::{ExportFormat, ExportWriter};
use crate::domain::sql::{Cell, Column};
use crate::driver::DriverError;
use crate::driver::sql::{self, RowSink, SqlClient};

/// Rows exported so far, shared with whoever watches the job.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    pub fn rows(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Two handles are equal when they watch the same job.
impl PartialEq for Progress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The temporary file, removed unless the export completes.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

struct FileSink {
    writer: ExportWriter<BufWriter<File>>,
    progress: Progress,
}

impl RowSink for FileSink {
    fn columns(&mut self, columns: Vec<Column>) -> Result<(), DriverError> {
        self.writer.columns(&columns).map_err(write_error)
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<bool, DriverError> {
        self.writer.row(&cells).map_err(write_error)?;
        self.progress.0.store(self.writer.rows(), Ordering::Relaxed);
        Ok(true)
    }

    fn affected(&mut self, _rows: u64) {}
}

fn write_error(error: std::io::Error) -> DriverError {
    DriverError::InvalidInput(format!("could not write the export: {error}"))
}

/// Streams `statement`'s rows into `path`; returns how many were written.
pub async fn export(
    client: &SqlClient,
    statement: &str,
    path: &Path,
    read_only: bool,
    progress: &Progress,
) -> Result<u64, DriverError> {
    let format = ExportFormat::for_path(path);
    let folder = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|dir| !dir.is_dir()) {
        return Err(DriverError::InvalidInput(format!(
            "cannot write {}: there is no folder {}",
            path.display(),
            folder.display()
        )));
    }
    let mut partial = Partial {
        path: path.with_extension("partial"),
        done: false,
    };
    let file = File::create(&partial.path)
        .map_err(|e| DriverError::InvalidInput(format!("cannot write {}: {e}", path.display())))?;
    let mut sink = FileSink {
        writer: ExportWriter::new(BufWriter::new(file), format),
        progress: progress.clone(),
    };
    sql::stream_statement(client, statement, read_only, &mut sink).await?;
    let rows = sink.writer.rows();
    sink.writer.finish().map_err(write_error)?;
    std::fs::rename(&partial.path, path).map_err(write_error)?;
    partial.done = true;
    Ok(rows)
}
