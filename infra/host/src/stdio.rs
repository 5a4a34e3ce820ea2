//! Component stdout / stderr as `spin up` handles them: appended to
//! `<log-dir>/<component>_stdout.txt` / `_stderr.txt` (the log directory
//! defaults to `<state-dir>/logs`; none when disabled), and shown on the host's
//! stderr for the components followed (all by default, `--follow ID` for some,
//! `--quiet` for none). The host's own stdout stays the host's.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Whose output is shown on the host's stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Follow {
    #[default]
    All,
    Named(BTreeSet<String>),
    None,
}

impl Follow {
    pub fn follows(&self, component: &str) -> bool {
        match self {
            Follow::All => true,
            Follow::Named(ids) => ids.contains(component),
            Follow::None => false,
        }
    }
}

/// One of a component's output streams.
#[derive(Clone)]
pub struct ComponentOutput {
    log: Option<Arc<File>>,
    follow: bool,
}

impl ComponentOutput {
    /// Open (append) the log file `<dir>/<component>_<stream>.txt` when `dir` is set.
    pub fn open(
        dir: Option<&Path>,
        component: &str,
        stream: &str,
        follow: bool,
    ) -> std::io::Result<Self> {
        let log = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let file = File::options()
                    .create(true)
                    .append(true)
                    .open(dir.join(format!("{component}_{stream}.txt")))?;
                Some(Arc::new(file))
            }
            None => None,
        };
        Ok(Self { log, follow })
    }
}

impl IsTerminal for ComponentOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for ComponentOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for ComponentOutput {
    // Writes are small and local (a file append, the terminal), as wasmtime's own
    // stdout stream does them: synchronously.
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(log) = &self.log {
            (&**log).write_all(buf)?;
        }
        if self.follow {
            std::io::stderr().write_all(buf)?;
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
