//! Source assets from a catalog directory, resolved traversal-safe.

use std::path::{Path, PathBuf};

use meridian_wit::types::Error;

/// The image files directly in `dir` (not `*.md`), sorted: what tests,
/// examples and benchmarks iterate over.
pub fn image_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e != "md") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

pub struct Catalog {
    root: PathBuf,
}

impl Catalog {
    pub fn open(root: &Path) -> anyhow::Result<Catalog> {
        let root = root
            .canonicalize()
            .map_err(|e| anyhow::anyhow!("catalog {}: {e}", root.display()))?;
        Ok(Catalog { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `asset`, which must stay inside the catalog.
    pub fn resolve(&self, asset: &str) -> Result<PathBuf, Error> {
        let invalid = |why: &str| {
            Error::new(
                400,
                "asset-path-invalid",
                format!("asset path `{}` {why}", asset.escape_default()),
            )
        };
        if asset.is_empty() || asset.len() > 512 {
            return Err(invalid("is empty or too long"));
        }
        if asset.contains(['\\', '\0', '%']) || asset.chars().any(char::is_control) {
            return Err(invalid("contains `\\`, `%`, NUL or control characters"));
        }
        if asset
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(invalid("has an empty, `.` or `..` segment"));
        }
        let path = self.root.join(asset);
        let real = path.canonicalize().map_err(|_| {
            Error::new(
                404,
                "asset-not-found",
                format!("no asset `{}` in the catalog", asset.escape_default()),
            )
        })?;
        // A symlink may still point outside.
        if !real.starts_with(&self.root) || !real.is_file() {
            return Err(invalid("leaves the catalog"));
        }
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_inside_and_refuses_outside() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("shoes")).expect("mkdir");
        std::fs::write(dir.path().join("shoes/red.jpg"), b"x").expect("write");
        let catalog = Catalog::open(dir.path()).expect("opens");
        assert!(catalog.resolve("shoes/red.jpg").is_ok());
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "shoes/../../x",
            "a\\b",
            "",
            "shoes//red.jpg",
            "%2e%2e/x",
            "shoes",
        ] {
            let err = catalog.resolve(bad).expect_err(bad);
            assert_eq!(err.status(), 400, "{bad}");
        }
        assert_eq!(
            catalog.resolve("missing.jpg").map_err(|e| e.status()),
            Err(404)
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_catalog_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.jpg"), b"x").expect("write");
        std::os::unix::fs::symlink(
            outside.path().join("secret.jpg"),
            dir.path().join("link.jpg"),
        )
        .expect("link");
        let catalog = Catalog::open(dir.path()).expect("opens");
        assert_eq!(
            catalog.resolve("link.jpg").map_err(|e| e.status()),
            Err(400)
        );
    }
}
