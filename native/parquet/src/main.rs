//! flts-parquet PATH COMPRESSION ROW_GROUP_ROWS [SCALES]
//!
//! Reads from stdin the file's key/value metadata (a little-endian u32 count, then each key and value as a u32 length
//! and UTF-8 bytes), then frames, each a little-endian u64 length and one Arrow IPC stream of that many bytes (with its
//! schema; batches of any size), and last an end frame: u64::MAX and the u64 count of rows sent. It writes the batches
//! to PATH as one Parquet file as arrow-rs' ArrowWriter writes it (the same pages), the columns of each row group
//! encoded on as many threads as there are cores, COMPRESSION being snappy or zstd. The caller gives the
//! metadata, "ARROW:schema" included, in its own order: arrow-rs would write a schema's metadata in HashMap order,
//! which differs from run to run. Exit 0 once the file is complete and closed; otherwise the reason on stderr and
//! exit 1 (the caller removes what was written). Input cut short anywhere (a stream ends cleanly at a message
//! boundary, so lengths and the end frame are what tell) is an error, never a file that looks whole.
//!
//! SCALES, when given, maps float64 columns as they are written: comma-separated INDEX:CENTER:SCALE, the column's
//! position in the schema and two f64 as the 16 hex digits of their bits, each value x written as (x − CENTER) / SCALE
//! (one subtraction and one division, rounded as IEEE 754 rounds them, so the bits are the caller's own).
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::os::fd::IntoRawFd;
use std::process::ExitCode;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::reader::StreamReader;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, ArrowWriterOptions};
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::writer::SerializedFileWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (path, compression, row_group_rows, scales) = match args.as_slice() {
        [_, path, compression, rows] => (path, compression, rows, Vec::new()),
        [_, path, compression, rows, scales] => (path, compression, rows, parse_scales(scales)?),
        _ => return Err("usage: flts-parquet PATH snappy|zstd ROW_GROUP_ROWS [INDEX:CENTER:SCALE,...]".into()),
    };
    let compression = match compression.as_str() {
        "snappy" => Compression::SNAPPY,
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        other => return Err(format!("unknown compression {other:?} (snappy or zstd)")),
    };
    let row_group_rows: usize = row_group_rows.parse().ok().filter(|&rows| rows > 0).ok_or_else(|| format!("ROW_GROUP_ROWS {row_group_rows:?} is not a positive number"))?;

    let mut input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    let metadata = read_metadata(&mut input)?;
    let mut writer: Option<Writer> = None;
    let mut rows: u64 = 0;
    loop {
        let length = read_u64(&mut input)?;
        if length == u64::MAX {
            let sent = read_u64(&mut input)?;
            if sent != rows {
                return Err(format!("the input says {sent} rows were sent; {rows} arrived"));
            }
            break;
        }
        let mut frame = (&mut input).take(length);
        let mut reader = StreamReader::try_new(&mut frame, None).map_err(|e| format!("reading an Arrow stream: {e}"))?;
        if writer.is_none() {
            let properties = WriterProperties::builder()
                .set_compression(compression)
                .set_max_row_group_row_count(Some(row_group_rows))
                .set_key_value_metadata(Some(metadata.clone()))
                .build();
            let options = ArrowWriterOptions::new().with_properties(properties).with_skip_arrow_metadata(true);
            let file = File::create(path).map_err(|e| format!("{path}: {e}"))?;
            let sink = BufWriter::with_capacity(1 << 20, file);
            let arrow = ArrowWriter::try_new_with_options(sink, reader.schema(), options).map_err(|e| e.to_string())?;
            let (file, factory) = arrow.into_serialized_writer().map_err(|e| e.to_string())?;
            if let Some((index, _, _)) = scales.iter().find(|(index, _, _)| *index >= reader.schema().fields().len()) {
                return Err(format!("SCALES names column {index}; the schema has {}", reader.schema().fields().len()));
            }
            writer = Some(Writer { file, factory, schema: reader.schema(), pending: Vec::new(), pending_rows: 0, row_group_rows, scales: scales.clone() });
        }
        let out = writer.as_mut().expect("made above");
        for batch in reader.by_ref() {
            let batch = batch.map_err(|e| format!("reading an Arrow batch: {e}"))?;
            rows += batch.num_rows() as u64;
            out.write(batch).map_err(|e| format!("{path}: {e}"))?;
        }
        drop(reader);
        if frame.limit() != 0 {
            return Err(format!("an Arrow stream ended {} bytes before its frame (cut off, or two streams in one frame)", frame.limit()));
        }
    }
    let mut out = writer.ok_or("no Arrow stream on stdin")?;
    out.flush().map_err(|e| format!("{path}: {e}"))?;
    let file = out.file.into_inner().map_err(|e| format!("{path}: {e}"))?.into_inner().map_err(|e| format!("{path}: {}", e.error()))?;
    // Closed here, not dropped: close reports the write errors a file system defers (NFS, quotas).
    // SAFETY: the descriptor is ours alone (into_raw_fd) and closed once.
    if unsafe { libc::close(file.into_raw_fd()) } != 0 {
        return Err(format!("{path}: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// A column's affine map: its index in the schema, center and scale.
type Scale = (usize, f64, f64);

fn parse_scales(text: &str) -> Result<Vec<Scale>, String> {
    let bits = |hex: &str| u64::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 16).map(f64::from_bits);
    text.split(',')
        .map(|item| match item.split(':').collect::<Vec<_>>().as_slice() {
            [index, center, scale] => match (index.parse::<usize>(), bits(center), bits(scale)) {
                (Ok(index), Some(center), Some(scale)) => Ok((index, center, scale)),
                _ => Err(format!("SCALES item {item:?} is not INDEX:CENTER:SCALE (two f64 as 16 hex digits)")),
            },
            _ => Err(format!("SCALES item {item:?} is not INDEX:CENTER:SCALE")),
        })
        .collect()
}

/// ArrowWriter's row groups (ROW_GROUP_ROWS rows, the last fewer), each column encoded by the same calls in the same
/// order, so the same pages; but the columns of a row group are encoded on as many threads as there are cores.
struct Writer {
    file: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// The batches of the row group being gathered.
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    row_group_rows: usize,
    scales: Vec<Scale>,
}

impl Writer {
    fn write(&mut self, batch: RecordBatch) -> Result<(), ParquetError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let room = self.row_group_rows - self.pending_rows;
        if batch.num_rows() > room {
            self.write(batch.slice(0, room))?;
            return self.write(batch.slice(room, batch.num_rows() - room));
        }
        self.pending_rows += batch.num_rows();
        self.pending.push(batch);
        if self.pending_rows == self.row_group_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Encodes the gathered batches as one row group and appends it to the file.
    fn flush(&mut self) -> Result<(), ParquetError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batches = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        let writers = self.factory.create_column_writers(self.file.flushed_row_groups().len())?;
        let fields = self.schema.fields();
        if writers.len() != fields.len() {
            return Err(ParquetError::General("nested columns are not supported".into()));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(writers.len()).max(1);
        let mut groups: Vec<Vec<(usize, ArrowColumnWriter)>> = (0..threads).map(|_| Vec::new()).collect();
        for (index, writer) in writers.into_iter().enumerate() {
            groups[index % threads].push((index, writer));
        }
        let (batches, scales) = (&batches, &self.scales);
        let mut chunks: Vec<(usize, ArrowColumnChunk)> = std::thread::scope(|scope| {
            let handles: Vec<_> = groups
                .into_iter()
                .map(|group| {
                    scope.spawn(move || -> Result<Vec<(usize, ArrowColumnChunk)>, ParquetError> {
                        group
                            .into_iter()
                            .map(|(index, mut writer)| {
                                for batch in batches {
                                    let column = scaled(batch.column(index), index, scales)?;
                                    for leaf in compute_leaves(fields[index].as_ref(), &column)? {
                                        writer.write(&leaf)?;
                                    }
                                }
                                Ok((index, writer.close()?))
                            })
                            .collect()
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().expect("a column thread panicked")).collect::<Result<Vec<_>, _>>()
        })?
        .into_iter()
        .flatten()
        .collect();
        chunks.sort_by_key(|(index, _)| *index);
        let mut row_group = self.file.next_row_group()?;
        for (_, chunk) in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        Ok(())
    }
}

/// Column `index` mapped x → (x − center) / scale where SCALES names it (it must be float64), else as it is.
fn scaled(column: &ArrayRef, index: usize, scales: &[Scale]) -> Result<ArrayRef, ParquetError> {
    let Some(&(_, center, scale)) = scales.iter().find(|(at, _, _)| *at == index) else {
        return Ok(column.clone());
    };
    let values = column.as_primitive_opt::<Float64Type>().ok_or_else(|| ParquetError::General(format!("SCALES names column {index}, which is not float64")))?;
    Ok(Arc::new(values.unary::<_, Float64Type>(|x| (x - center) / scale)))
}

fn read_metadata(input: &mut impl Read) -> Result<Vec<KeyValue>, String> {
    let count = read_u32(input)?;
    (0..count).map(|_| Ok(KeyValue::new(read_text(input)?, read_text(input)?))).collect()
}

fn read_u32(input: &mut impl Read) -> Result<u32, String> {
    let mut word = [0u8; 4];
    input.read_exact(&mut word).map_err(|e| format!("reading the metadata: {e}"))?;
    Ok(u32::from_le_bytes(word))
}

fn read_u64(input: &mut impl Read) -> Result<u64, String> {
    let mut word = [0u8; 8];
    input.read_exact(&mut word).map_err(|e| format!("the input ended before its end frame (cut off): {e}"))?;
    Ok(u64::from_le_bytes(word))
}

fn read_text(input: &mut impl Read) -> Result<String, String> {
    let mut bytes = vec![0u8; read_u32(input)? as usize];
    input.read_exact(&mut bytes).map_err(|e| format!("reading the metadata: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "metadata that is not UTF-8".to_string())
}
