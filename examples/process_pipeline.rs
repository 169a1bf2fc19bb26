//! `ls | grep PATTERN`, with zokio::process: `ls`'s stdout becomes `grep`'s stdin directly (a pipe
//! between the two children, no copy through this process), and `grep`'s output is read here line
//! by line.
//!
//! ```sh
//! cargo run --example process_pipeline                  # ls . | grep toml
//! cargo run --example process_pipeline -- DIR PATTERN   # ls DIR | grep PATTERN
//! ```

use std::process::Stdio;

use zokio::io::{AsyncBufReadExt, BufReader};
use zokio::process::Command;

#[zokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| ".".to_owned());
    let pattern = args.next().unwrap_or_else(|| "toml".to_owned());

    let mut ls = Command::new("ls")
        .arg("-1")
        .arg(&dir)
        .stdout(Stdio::piped())
        .spawn()?;
    let ls_out: Stdio = ls.stdout.take().expect("piped").try_into()?;
    let mut grep = Command::new("grep")
        .arg("--")
        .arg(&pattern)
        .stdin(ls_out)
        .stdout(Stdio::piped())
        .spawn()?;

    let mut lines = BufReader::new(grep.stdout.take().expect("piped")).lines();
    let mut matches = 0;
    while let Some(line) = lines.next_line().await? {
        matches += 1;
        println!("{matches:>3}: {line}");
    }
    // Both children are reaped: zokio waits on them through pidfd/SIGCHLD, no thread per child.
    let (ls_status, grep_status) = zokio::join!(ls.wait(), grep.wait());
    let (ls_status, grep_status) = (ls_status?, grep_status?);
    println!("ls {ls_status}, grep {grep_status}: {matches} entries of {dir} match {pattern:?}");
    // grep exits 1 when nothing matched, which is not a failure here.
    if !ls_status.success() || grep_status.code().is_none_or(|code| code > 1) {
        std::process::exit(1);
    }
    Ok(())
}
