//! `DirBuilder`: directory creation with options, like [`std::fs::DirBuilder`], run on the blocking
//! pool.

use std::io;
use std::path::Path;

use crate::blocking::asyncify;

/// Creates directories with options: `recursive` (create missing parents, as
/// [`create_dir_all`](crate::create_dir_all) does) and, on Unix, the permission `mode`.
///
/// # Example
///
/// ```
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let root = std::env::temp_dir().join(format!("zokio-fs-dirbuilder-doc-{}", std::process::id()));
/// let nested = root.join("a").join("b");
/// zokio_fs::DirBuilder::new().recursive(true).create(&nested).await?;
/// assert!(zokio_fs::metadata(&nested).await?.is_dir());
/// zokio_fs::remove_dir_all(&root).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory (not its parents) with the default mode.
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether missing parent directories are created too (and an existing directory at the path
    /// is not an error). Default `false`.
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the new directories (before the process umask applies). Default
    /// `0o777`.
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path` with these options (one blocking task).
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::DirBuilder::create`]: `AlreadyExists` when not recursive and the path
    /// exists, `NotFound` when not recursive and a parent is missing, `PermissionDenied`, ...
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut std_builder = std::fs::DirBuilder::new();
        std_builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut std_builder, mode);
        }
        asyncify(move || std_builder.create(path)).await
    }
}
