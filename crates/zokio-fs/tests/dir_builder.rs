//! `DirBuilder`: recursive and non-recursive creation, the errors std gives, and the mode.

mod support;

use std::io::ErrorKind;

use support::TempDir;
use zokio_fs::DirBuilder;

fn rt() -> zokio::runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn non_recursive_needs_the_parent_and_refuses_an_existing_path() {
    let dir = TempDir::new("dirbuilder-plain");
    rt().block_on(async {
        let nested = dir.join("missing").join("child");
        let err = DirBuilder::new().create(&nested).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(!nested.exists());

        let one = dir.join("one");
        DirBuilder::new().create(&one).await.unwrap();
        assert!(zokio_fs::metadata(&one).await.unwrap().is_dir());
        let err = DirBuilder::new().create(&one).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    });
}

#[test]
fn recursive_creates_every_missing_parent_and_accepts_an_existing_tree() {
    let dir = TempDir::new("dirbuilder-recursive");
    rt().block_on(async {
        let nested = dir.join("a").join("b").join("c");
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        builder.create(&nested).await.unwrap();
        for path in [dir.join("a"), dir.join("a").join("b"), nested.clone()] {
            assert!(
                zokio_fs::metadata(&path).await.unwrap().is_dir(),
                "{path:?}"
            );
        }
        // Creating it again is fine when recursive.
        builder.create(&nested).await.unwrap();
        // A file in the way is still an error.
        let file = dir.join("file");
        zokio_fs::write(&file, b"x").await.unwrap();
        assert!(builder.create(file.join("under")).await.is_err());
    });
}

#[cfg(unix)]
#[test]
fn mode_sets_the_permission_bits() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("dirbuilder-mode");
    rt().block_on(async {
        let private = dir.join("private");
        DirBuilder::new()
            .mode(0o700)
            .create(&private)
            .await
            .unwrap();
        let mode = zokio_fs::metadata(&private)
            .await
            .unwrap()
            .permissions()
            .mode();
        // 0o700 has no bits a umask can clear beyond the owner's, which umasks leave alone.
        assert_eq!(mode & 0o777, 0o700);
    });
}

#[test]
fn the_facade_exposes_dir_builder() {
    let dir = TempDir::new("dirbuilder-facade");
    rt().block_on(async {
        zokio::fs::DirBuilder::new()
            .recursive(true)
            .create(dir.join("x").join("y"))
            .await
            .unwrap();
        assert!(dir.join("x").join("y").is_dir());
    });
}
