//! `OpenOptions`: Unix mode and flags, `Default`, and conversion from the standard builder.

mod support;

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;

use support::TempDir;
use zokio_fs::OpenOptions;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn mode_sets_the_permission_bits_of_a_new_file() {
    let dir = TempDir::new("open-mode");
    rt().block_on(async {
        let path = dir.join("m");
        OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o640)
            .open(&path)
            .await
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // The umask may take bits away, never add any.
        assert_eq!(mode & !0o640, 0, "mode {mode:o}");
        assert_eq!(mode & 0o600, 0o600, "mode {mode:o}");
    });
}

#[test]
fn custom_flags_reach_the_open_call() {
    let dir = TempDir::new("open-flags");
    rt().block_on(async {
        let target = dir.join("target");
        std::fs::write(&target, b"t").unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // O_NOFOLLOW refuses a symbolic link as the last component, root or not.
        let error = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&link)
            .await
            .unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ELOOP));
        // Without the flag the link is followed.
        assert!(OpenOptions::new().read(true).open(&link).await.is_ok());
    });
}

#[test]
fn default_and_from_std_behave_like_their_builders() {
    let dir = TempDir::new("open-default");
    rt().block_on(async {
        let path = dir.join("d");
        std::fs::write(&path, b"content").unwrap();
        // Like `new()`: no access mode is bad input until one is set.
        let error = OpenOptions::default().open(&path).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(OpenOptions::default().read(true).open(&path).await.is_ok());

        let mut std = std::fs::OpenOptions::new();
        std.append(true);
        let mut file = OpenOptions::from(std).open(&path).await.unwrap();
        futures_lite::AsyncWriteExt::write_all(&mut file, b"+more")
            .await
            .unwrap();
        futures_lite::AsyncWriteExt::flush(&mut file).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"content+more");
    });
}
