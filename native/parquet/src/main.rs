//! flts-parquet PATH COMPRESSION ROW_GROUP_ROWS
//!
//! Reads from stdin the file's key/value metadata (a little-endian u32 count, then each key and value as a u32 length
//! and UTF-8 bytes), then frames, each a little-endian u64 length and one Arrow IPC stream of that many bytes (with its
//! schema; batches of any size), and last an end frame: u64::MAX and the u64 count of rows sent. It writes the batches
//! to PATH as one Parquet file with arrow-rs' ArrowWriter, COMPRESSION being snappy or zstd. The caller gives the
//! metadata, "ARROW:schema" included, in its own order: arrow-rs would write a schema's metadata in HashMap order,
//! which differs from run to run. Exit 0 once the file is complete and closed; otherwise the reason on stderr and
//! exit 1 (the caller removes what was written). Input cut short anywhere (a stream ends cleanly at a message
//! boundary, so lengths and the end frame are what tell) is an error, never a file that looks whole.
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::os::fd::IntoRawFd;
use std::process::ExitCode;

use arrow_ipc::reader::StreamReader;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
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
    let [_, path, compression, row_group_rows] = args.as_slice() else {
        return Err("usage: flts-parquet PATH snappy|zstd ROW_GROUP_ROWS".into());
    };
    let compression = match compression.as_str() {
        "snappy" => Compression::SNAPPY,
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        other => return Err(format!("unknown compression {other:?} (snappy or zstd)")),
    };
    let row_group_rows: usize = row_group_rows.parse().ok().filter(|&rows| rows > 0).ok_or_else(|| format!("ROW_GROUP_ROWS {row_group_rows:?} is not a positive number"))?;

    let mut input = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    let metadata = read_metadata(&mut input)?;
    let mut writer: Option<ArrowWriter<BufWriter<File>>> = None;
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
            writer = Some(ArrowWriter::try_new_with_options(sink, reader.schema(), options).map_err(|e| e.to_string())?);
        }
        let out = writer.as_mut().expect("made above");
        for batch in reader.by_ref() {
            let batch = batch.map_err(|e| format!("reading an Arrow batch: {e}"))?;
            rows += batch.num_rows() as u64;
            out.write(&batch).map_err(|e| format!("{path}: {e}"))?;
        }
        drop(reader);
        if frame.limit() != 0 {
            return Err(format!("an Arrow stream ended {} bytes before its frame (cut off, or two streams in one frame)", frame.limit()));
        }
    }
    let out = writer.ok_or("no Arrow stream on stdin")?;
    let file = out.into_inner().map_err(|e| format!("{path}: {e}"))?.into_inner().map_err(|e| format!("{path}: {}", e.error()))?;
    // Closed here, not dropped: close reports the write errors a file system defers (NFS, quotas).
    // SAFETY: the descriptor is ours alone (into_raw_fd) and closed once.
    if unsafe { libc::close(file.into_raw_fd()) } != 0 {
        return Err(format!("{path}: {}", std::io::Error::last_os_error()));
    }
    Ok(())
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
