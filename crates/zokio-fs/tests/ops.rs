//! Free functions, `read_dir`, missing paths, and many files from many tasks at once.

mod support;

use std::collections::BTreeSet;
use std::io::ErrorKind;

use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use support::{TempDir, pattern};

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn read_dir_lists_what_was_created() {
    let dir = TempDir::new("readdir");
    rt().block_on(async {
        // More than one batch of entries (batches are 256).
        let mut expected = BTreeSet::new();
        for i in 0..600 {
            let name = format!("file-{i:04}");
            zokio_fs::write(dir.join(&name), [i as u8]).await.unwrap();
            expected.insert(name);
        }
        zokio_fs::create_dir(dir.join("sub")).await.unwrap();
        expected.insert("sub".to_owned());

        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        let mut seen = BTreeSet::new();
        let mut dirs = 0;
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            let file_type = entry.file_type().await.unwrap();
            if name == "sub" {
                assert!(file_type.is_dir());
                dirs += 1;
            } else {
                assert!(file_type.is_file());
                assert_eq!(entry.metadata().await.unwrap().len(), 1);
            }
            assert!(seen.insert(name), "an entry was listed twice");
        }
        assert_eq!(seen, expected);
        assert_eq!(dirs, 1);
        // Exhausted streams stay exhausted.
        assert!(entries.next_entry().await.unwrap().is_none());

        // The Stream impl yields the same names.
        let stream = zokio_fs::read_dir(dir.path()).await.unwrap();
        let names: BTreeSet<String> = stream
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect()
            .await;
        assert_eq!(names, expected);
    });
}

#[test]
fn missing_paths_give_not_found() {
    let dir = TempDir::new("missing");
    rt().block_on(async {
        let missing = dir.join("does-not-exist");
        let kinds = [
            zokio_fs::read(&missing).await.map(drop),
            zokio_fs::read_to_string(&missing).await.map(drop),
            zokio_fs::File::open(&missing).await.map(drop),
            zokio_fs::metadata(&missing).await.map(drop),
            zokio_fs::symlink_metadata(&missing).await.map(drop),
            zokio_fs::remove_file(&missing).await,
            zokio_fs::remove_dir(&missing).await,
            zokio_fs::remove_dir_all(&missing).await,
            zokio_fs::read_dir(&missing).await.map(drop),
            zokio_fs::canonicalize(&missing).await.map(drop),
            zokio_fs::read_link(&missing).await.map(drop),
            zokio_fs::copy(&missing, dir.join("to")).await.map(drop),
            zokio_fs::rename(&missing, dir.join("to")).await,
            zokio_fs::hard_link(&missing, dir.join("to")).await,
            zokio_fs::write(dir.join("no-dir/file"), b"x").await,
            zokio_fs::create_dir(dir.join("no-dir/sub")).await,
        ];
        for (i, result) in kinds.into_iter().enumerate() {
            assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound, "call {i}");
        }
        assert!(!zokio_fs::try_exists(&missing).await.unwrap());
        assert!(zokio_fs::try_exists(dir.path()).await.unwrap());
    });
}

#[test]
fn path_operations() {
    let dir = TempDir::new("paths");
    rt().block_on(async {
        let a = dir.join("a");
        zokio_fs::write(&a, b"abc").await.unwrap();
        assert_eq!(zokio_fs::copy(&a, dir.join("b")).await.unwrap(), 3);
        zokio_fs::rename(dir.join("b"), dir.join("c"))
            .await
            .unwrap();
        assert!(!zokio_fs::try_exists(dir.join("b")).await.unwrap());
        assert_eq!(zokio_fs::read(dir.join("c")).await.unwrap(), b"abc");
        zokio_fs::hard_link(&a, dir.join("h")).await.unwrap();
        zokio_fs::symlink(&a, dir.join("l")).await.unwrap();
        assert_eq!(zokio_fs::read_link(dir.join("l")).await.unwrap(), a);
        assert!(
            zokio_fs::symlink_metadata(dir.join("l"))
                .await
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            zokio_fs::canonicalize(dir.join("l")).await.unwrap(),
            std::fs::canonicalize(&a).unwrap()
        );
        let mut permissions = zokio_fs::metadata(&a).await.unwrap().permissions();
        permissions.set_readonly(true);
        zokio_fs::set_permissions(&a, permissions).await.unwrap();
        assert!(
            zokio_fs::metadata(&a)
                .await
                .unwrap()
                .permissions()
                .readonly()
        );
        zokio_fs::create_dir_all(dir.join("x/y/z")).await.unwrap();
        assert_eq!(
            zokio_fs::create_dir(dir.join("x"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::AlreadyExists
        );
        zokio_fs::remove_dir(dir.join("x/y/z")).await.unwrap();
        zokio_fs::remove_dir_all(dir.join("x")).await.unwrap();
        zokio_fs::remove_file(dir.join("c")).await.unwrap();
        let mut names = Vec::new();
        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            names.push(entry.file_name().into_string().unwrap());
        }
        names.sort();
        assert_eq!(names, ["a", "h", "l"]);
    });
}

/// `files` small files written and read back from 64 tasks at once.
fn many_files(runtime: zokio::runtime::Runtime, files: usize) {
    const TASKS: usize = 64;
    let dir = std::sync::Arc::new(TempDir::new("many"));
    runtime.block_on(async {
        let mut handles = Vec::new();
        for task in 0..TASKS {
            let dir = dir.clone();
            handles.push(zokio::spawn(async move {
                let mut bytes = 0;
                for i in (task..files).step_by(TASKS) {
                    let path = dir.join(&format!("f{i}"));
                    let data = pattern(100 + i % 3000, i as u8);
                    if i % 2 == 0 {
                        zokio_fs::write(&path, &data).await.unwrap();
                    } else {
                        let mut file = zokio_fs::File::create(&path).await.unwrap();
                        file.write_all(&data).await.unwrap();
                        file.flush().await.unwrap();
                    }
                    let mut back = Vec::new();
                    zokio_fs::File::open(&path)
                        .await
                        .unwrap()
                        .read_to_end(&mut back)
                        .await
                        .unwrap();
                    assert!(back == data, "file {i} differs");
                    bytes += back.len();
                }
                bytes
            }));
        }
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        let expected: usize = (0..files).map(|i| 100 + i % 3000).sum();
        assert_eq!(total, expected);
        let mut count = 0;
        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        while entries.next_entry().await.unwrap().is_some() {
            count += 1;
        }
        assert_eq!(count, files);
    });
}

#[test]
fn many_files_from_many_tasks_current_thread() {
    // The full 2,000 run on the multi-thread runtime below; fewer here keep the suite fast.
    many_files(rt(), 500);
}

#[test]
fn many_files_from_many_tasks_multi_thread() {
    match zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => many_files(runtime, 2000),
        // Until the multi-thread scheduler lands in the facade, only the current-thread run counts.
        Err(error) if error.kind() == ErrorKind::Unsupported => {
            eprintln!("multi-thread runtime unavailable: {error}")
        }
        Err(error) => panic!("building the runtime failed: {error}"),
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<zokio_fs::File>();
    check::<zokio_fs::ReadDir>();
    check::<zokio_fs::DirEntry>();
    check::<zokio_fs::OpenOptions>();
}

#[test]
fn try_exists_fails_when_existence_cannot_be_determined() {
    let dir = TempDir::new("try-exists");
    rt().block_on(async {
        let file = dir.join("file");
        zokio_fs::write(&file, b"x").await.unwrap();
        // A path through a regular file: neither there nor missing, but an error (ENOTDIR).
        let error = zokio_fs::try_exists(file.join("child")).await.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOTDIR));
    });
}

#[test]
fn dir_entries_know_their_inode() {
    use std::os::unix::fs::MetadataExt;
    let dir = TempDir::new("ino");
    rt().block_on(async {
        zokio_fs::write(dir.join("a"), b"a").await.unwrap();
        zokio_fs::create_dir(dir.join("b")).await.unwrap();
        let mut entries = zokio_fs::read_dir(dir.path()).await.unwrap();
        let mut seen = 0;
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let metadata = std::fs::symlink_metadata(entry.path()).unwrap();
            assert_eq!(entry.ino(), metadata.ino(), "{:?}", entry.path());
            assert_eq!(entry.file_type().await.unwrap(), metadata.file_type());
            seen += 1;
        }
        assert_eq!(seen, 2);
    });
}
