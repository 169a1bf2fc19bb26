//! A file copy on `zokio::fs` with a progress bar (indicatif): 256 KiB chunks read from one file
//! and written to the other, the bar advancing as each chunk lands.
//!
//! ```sh
//! cargo run --example file_copy -- SOURCE DESTINATION
//! cargo run --example file_copy    # copies a 32 MiB file of its own in the temporary directory,
//!                                  # checks the copy and removes both
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use zokio::io::{AsyncReadExt, AsyncWriteExt};

const CHUNK: usize = 256 * 1024;

#[zokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [source, destination] => {
            copy(Path::new(source), Path::new(destination)).await?;
        }
        [] => demo().await?,
        _ => {
            eprintln!("usage: file_copy [SOURCE DESTINATION]");
            std::process::exit(2);
        }
    }
    Ok(())
}

/// Copies `source` to `destination`, showing progress; returns the bytes copied.
async fn copy(source: &Path, destination: &Path) -> std::io::Result<u64> {
    let mut from = zokio::fs::File::open(source).await?;
    let total = from.metadata().await?.len();
    let mut to = zokio::fs::File::create(destination).await?;

    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let mut buf = vec![0u8; CHUNK];
    let mut copied = 0u64;
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        to.write_all(&buf[..n]).await?;
        copied += n as u64;
        bar.set_position(copied);
    }
    // `File` batches writes: flush makes sure every byte reached the OS before we report success.
    to.flush().await?;
    to.sync_all().await?;
    bar.finish();
    println!(
        "copied {copied} bytes from {} to {} in {:.2?}",
        source.display(),
        destination.display(),
        started.elapsed()
    );
    Ok(copied)
}

/// Makes a file to copy, copies it, and checks the copy.
async fn demo() -> std::io::Result<()> {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let source: PathBuf = dir.join(format!("zokio-file-copy-{id}.src"));
    let destination: PathBuf = dir.join(format!("zokio-file-copy-{id}.dst"));
    let data: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
    zokio::fs::write(&source, &data).await?;
    let result = copy(&source, &destination).await;
    let copy_ok = match &result {
        Ok(_) => zokio::fs::read(&destination).await? == data,
        Err(_) => false,
    };
    zokio::fs::remove_file(&source).await.ok();
    zokio::fs::remove_file(&destination).await.ok();
    result?;
    assert!(copy_ok, "the copy differs from the source");
    println!("the copy matches the source");
    Ok(())
}
