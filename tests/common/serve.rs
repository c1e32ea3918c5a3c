//! A running `clause serve` for the tests, and a small HTTP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// A running `clause serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    lines: Receiver<String>,
    pub root: PathBuf,
    /// The line that says what is served where.
    pub serving: String,
    _tmp: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example site copied to a temporary folder, served on a free port.
pub fn start() -> Server {
    start_with(|_| {})
}

/// The example site copied to a temporary folder, changed by `change` (given its root),
/// served on a free port.
pub fn start_with(change: impl FnOnce(&std::path::Path)) -> Server {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    super::copy_dir(&super::repo().join("content"), &root.join("content"));
    std::fs::copy(super::repo().join("site.toml"), root.join("site.toml")).expect("copy");
    change(&root);
    launch(tmp, root, true)
}

/// The example site copied to a temporary folder, served on a free port by a `clause
/// serve` started in that folder, without `--root`.
pub fn start_in_site_folder() -> Server {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    super::copy_dir(&super::repo().join("content"), &root.join("content"));
    std::fs::copy(super::repo().join("site.toml"), root.join("site.toml")).expect("copy");
    launch(tmp, root, false)
}

/// Starts `clause serve` on `root`, given with `--root` or as the current folder.
fn launch(tmp: tempfile::TempDir, root: PathBuf, with_root: bool) -> Server {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("clause"));
    command.args(["serve", "--port", "0"]);
    if with_root {
        command.arg("--root").arg(&root);
    } else {
        command.current_dir(&root);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut server = Server {
        child,
        port: 0,
        lines,
        root,
        serving: String::new(),
        _tmp: tmp,
    };
    let line = server.wait_line("serving ");
    server.serving = line.clone();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("a port");
    server.port = port;
    server
}

/// An HTTP answer.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Header lines, lowercased.
    pub headers: String,
    /// Body.
    pub body: String,
}

impl Server {
    /// Waits (up to 20 s) for a line of stderr containing `needle`.
    pub fn wait_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} on stderr"),
            }
        }
    }

    pub fn request(&self, method: &str, path: &str, host: &str) -> Reply {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(40)))
            .expect("timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("sends");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("reads");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Reply {
            status,
            headers: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &format!("127.0.0.1:{}", self.port))
    }

    pub fn version(&self) -> u64 {
        let body = self.get("/__clause/wait").body;
        body.split("\"version\":")
            .nth(1)
            .and_then(|r| r.split([',', '}']).next())
            .and_then(|v| v.parse().ok())
            .expect("a version")
    }

    /// Saves a file the way editors do: a temporary file renamed over the old one.
    pub fn save(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        let tmp = path.with_extension("swp~");
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, &path).expect("rename");
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }
}
