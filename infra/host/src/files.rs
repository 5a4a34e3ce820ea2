//! A component's `files` and `exclude_files`, as Spin's loader lays them out:
//! every matched file is placed in one per-component directory (hard-linked,
//! or copied across file systems), which the component sees, read-only, at `/`.
//!
//! - `"path/file.txt"` → `/path/file.txt`; `"dir"` → every file under it at `/dir/...`;
//!   a glob (`"static/**/*.css"`) → each match at its path relative to the app directory.
//! - `{ source = "dir", destination = "/d" }` → the files under `dir` at `/d/...`;
//!   `{ source = "f.txt", destination = "/g.txt" }` → that one file.
//! - `exclude_files` globs are matched against paths relative to the app directory.
//! - Nothing outside the app directory may be mounted.

use std::path::{Component, Path, PathBuf};

use crate::manifest::FileMount;

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("{pattern:?} does not exist and doesn't appear to be a glob pattern")]
    NotFound { pattern: String },
    #[error("file source {path:?} does not exist")]
    MissingSource { path: String },
    #[error("invalid glob pattern {pattern:?}: {message}")]
    BadPattern { pattern: String, message: String },
    #[error("{path} is outside the application directory; files must be within it")]
    OutsideApp { path: String },
    #[error("{pattern:?}: a file pattern can't be '.', '..' or end in one")]
    DotPattern { pattern: String },
    #[error("{destination:?} is not a valid destination file name")]
    BadDestination { destination: String },
    #[error("placing {from} at {to}: {source}")]
    Io {
        from: String,
        to: String,
        source: std::io::Error,
    },
}

fn io(from: &Path, to: &Path) -> impl FnOnce(std::io::Error) -> FilesError {
    let (from, to) = (from.display().to_string(), to.display().to_string());
    move |source| FilesError::Io { from, to, source }
}

/// A guest-relative path: no root, no `..`.
fn relative(guest: &str) -> PathBuf {
    Path::new(guest)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

struct Layout<'a> {
    app_dir: &'a Path,
    root: &'a Path,
    excludes: Vec<glob::Pattern>,
}

impl Layout<'_> {
    fn place(&self, src: &Path, dest_rel: &Path) -> Result<(), FilesError> {
        let outside = || FilesError::OutsideApp {
            path: src.display().to_string(),
        };
        let canonical = src.canonicalize().map_err(|_| outside())?;
        let rel_to_app = canonical
            .strip_prefix(self.app_dir)
            .map_err(|_| outside())?;
        if self.excludes.iter().any(|p| p.matches_path(rel_to_app)) {
            return Ok(());
        }
        let dest = self.root.join(dest_rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io(src, parent))?;
        }
        if dest.exists() {
            std::fs::remove_file(&dest).map_err(io(src, &dest))?;
        }
        if std::fs::hard_link(src, &dest).is_err() {
            std::fs::copy(src, &dest).map_err(io(src, &dest))?;
        }
        Ok(())
    }

    /// Every file matching `pattern`, placed at its path relative to `prefix`.
    fn glob(&self, pattern: &Path, prefix: &Path, dest: &Path) -> Result<(), FilesError> {
        let text = pattern.to_string_lossy().into_owned();
        let bad = |message: String| FilesError::BadPattern {
            pattern: text.clone(),
            message,
        };
        for entry in glob::glob(&text).map_err(|e| bad(e.to_string()))? {
            let src = entry.map_err(|e| bad(e.to_string()))?;
            if !src.is_file() {
                continue;
            }
            let rel = src
                .strip_prefix(prefix)
                .map_err(|_| FilesError::OutsideApp {
                    path: src.display().to_string(),
                })?;
            self.place(&src, &dest.join(rel))?;
        }
        Ok(())
    }

    fn mount(&self, mount: &FileMount) -> Result<(), FilesError> {
        match mount {
            FileMount::Pattern(pattern) => {
                let p = pattern.trim_end_matches('/');
                if [".", ".."].contains(&p) || p.ends_with("/.") || p.ends_with("/..") {
                    return Err(FilesError::DotPattern {
                        pattern: pattern.clone(),
                    });
                }
                let path = self.app_dir.join(p);
                if path.is_dir() {
                    self.glob(&path.join("**/*"), &path, &relative(p))
                } else if path.is_file() {
                    self.place(&path, &relative(p))
                } else if glob::Pattern::escape(p) != p {
                    self.glob(&path, self.app_dir, Path::new(""))
                } else {
                    Err(FilesError::NotFound {
                        pattern: pattern.clone(),
                    })
                }
            }
            FileMount::Mapped {
                source,
                destination,
            } => {
                let src = self.app_dir.join(source);
                let dest = relative(destination);
                if src.is_dir() {
                    self.glob(&src.join("**/*"), &src, &dest)
                } else if src.is_file() {
                    if dest.as_os_str().is_empty() || destination.ends_with('/') {
                        return Err(FilesError::BadDestination {
                            destination: destination.clone(),
                        });
                    }
                    self.place(&src, &dest)
                } else {
                    Err(FilesError::MissingSource {
                        path: source.clone(),
                    })
                }
            }
        }
    }
}

/// Lay out a component's files under `root` (emptied first).
pub fn assemble(
    app_dir: &Path,
    mounts: &[FileMount],
    exclude_files: &[String],
    root: &Path,
) -> Result<(), FilesError> {
    if root.exists() {
        std::fs::remove_dir_all(root).map_err(io(app_dir, root))?;
    }
    std::fs::create_dir_all(root).map_err(io(app_dir, root))?;
    let excludes = exclude_files
        .iter()
        .map(|p| {
            glob::Pattern::new(p).map_err(|e| FilesError::BadPattern {
                pattern: p.clone(),
                message: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let app_dir = app_dir.canonicalize().map_err(io(app_dir, root))?;
    let layout = Layout {
        app_dir: &app_dir,
        root,
        excludes,
    };
    for m in mounts {
        layout.mount(m)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in glob::glob(&format!("{}/**/*", root.display()))
            .expect("glob")
            .flatten()
        {
            if entry.is_file()
                && let Ok(rel) = entry.strip_prefix(root)
            {
                out.push(format!("/{}", rel.display()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn lays_out_like_spin() -> anyhow::Result<()> {
        let base = std::env::temp_dir().join(format!("meridian-files-{}", std::process::id()));
        let app = base.join("app");
        for f in [
            "static/a.css",
            "static/b.js",
            "static/sub/c.css",
            "data/db.bin",
            "top.txt",
            "secret/key",
        ] {
            let p = app.join(f);
            std::fs::create_dir_all(p.parent().ok_or(anyhow::anyhow!("parent"))?)?;
            std::fs::write(&p, f)?;
        }
        let root = base.join("out");
        let mounts = vec![
            FileMount::Pattern("static/**/*.css".into()),
            FileMount::Pattern("top.txt".into()),
            FileMount::Mapped {
                source: "data".into(),
                destination: "/var/data".into(),
            },
            FileMount::Mapped {
                source: "top.txt".into(),
                destination: "/renamed.txt".into(),
            },
        ];
        assemble(&app, &mounts, &["static/sub/*".into()], &root)?;
        assert_eq!(
            tree(&root),
            vec![
                "/renamed.txt",
                "/static/a.css",
                "/top.txt",
                "/var/data/db.bin"
            ]
        );
        assert!(matches!(
            assemble(&app, &[FileMount::Pattern("nope.txt".into())], &[], &root),
            Err(FilesError::NotFound { .. })
        ));
        assert!(matches!(
            assemble(&app, &[FileMount::Pattern("..".into())], &[], &root),
            Err(FilesError::DotPattern { .. })
        ));
        std::fs::write(base.join("outside.txt"), "x")?;
        assert!(matches!(
            assemble(
                &app,
                &[FileMount::Pattern("../outside.txt".into())],
                &[],
                &root
            ),
            Err(FilesError::OutsideApp { .. })
        ));
        assert!(matches!(
            assemble(
                &app,
                &[FileMount::Mapped {
                    source: "../outside.txt".into(),
                    destination: "/o.txt".into()
                }],
                &[],
                &root
            ),
            Err(FilesError::OutsideApp { .. })
        ));
        let _ = std::fs::remove_dir_all(&base);
        Ok(())
    }
}
