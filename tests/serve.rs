//! `gongkai serve` and `gongkai watch` as a user runs them: the real binary on an ephemeral
//! port, real file edits picked up by the file watcher, and plain HTTP requests (written by
//! hand, so that `..` reaches the server unnormalised).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// A running `gongkai serve` or `gongkai watch`, killed when dropped.
struct Running {
    child: Child,
    log: Arc<Mutex<String>>,
    addr: String,
}

impl Running {
    /// Starts the binary and waits until it reports `ready` on stderr.
    fn start(root: &Path, args: &[&str], ready: &str) -> Running {
        Running::spawn(
            Command::new(env!("CARGO_BIN_EXE_gongkai")),
            root,
            args,
            ready,
        )
    }

    /// Starts `program` (the binary, or a wrapper that runs it) with `args`.
    fn spawn(mut program: Command, root: &Path, args: &[&str], ready: &str) -> Running {
        let mut child = program
            .args(args)
            .arg("--root")
            .arg(root)
            .env("NO_COLOR", "1")
            .env("LANG", "en_US.UTF-8")
            .env_remove("LC_ALL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gongkai starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let mut r = Running {
            child,
            log,
            addr: String::new(),
        };
        r.wait_log(ready);
        if let Some(at) = r.log().split("http://").nth(1) {
            r.addr = at.split('/').next().unwrap_or_default().to_string();
        }
        r
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until stderr contains `needle`.
    fn wait_log(&mut self, needle: &str) {
        let start = Instant::now();
        while !self.log().contains(needle) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "gongkai exited ({status}) before `{needle}`:\n{}",
                    self.log()
                );
            }
            assert!(
                start.elapsed() < WAIT,
                "no `{needle}` on stderr:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A GET over HTTP/1.0: (status, headers, body).
    fn get(&self, path: &str) -> (u16, String, String) {
        self.send("GET", path)
    }

    /// A request of `method` over HTTP/1.0: (status, headers, body).
    fn send(&self, method: &str, path: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(&self.addr).expect("connects");
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nContent-Length: 0\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, head.to_lowercase(), body.to_string())
    }

    /// Subscribes to the live-reload events: (event, data) pairs as they arrive.
    fn events(&self) -> Events {
        let mut s = TcpStream::connect(&self.addr).expect("connects");
        write!(
            s,
            "GET /__gongkai/events HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let (mut event, mut data) = (String::new(), Vec::<String>::new());
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push(d.strip_prefix(' ').unwrap_or(d).to_string());
                } else if line.is_empty() && !event.is_empty() {
                    if tx
                        .send((std::mem::take(&mut event), data.join("\n")))
                        .is_err()
                    {
                        return;
                    }
                    data.clear();
                }
            }
        });
        Events(rx)
    }

    /// Sends Ctrl-C and waits for a clean exit.
    fn interrupt(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}:\n{}", self.log());
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "did not stop within 5 s of Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        self.log()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events(Receiver<(String, String)>);

impl Events {
    /// The next event of `kind`, skipping others.
    fn next(&self, kind: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.0.recv_timeout(left) {
                Ok((e, data)) if e == kind => return data,
                Ok(_) => {}
                Err(_) => panic!("no `{kind}` event within {WAIT:?}"),
            }
        }
    }

    /// The next reload event that lists `file` (or reloads everything).
    fn reload_of(&self, file: &str) -> serde_json::Value {
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(Instant::now() < deadline, "no reload of {file}");
            let v: serde_json::Value = serde_json::from_str(&self.next("reload")).unwrap();
            let listed = v["files"].as_array().unwrap().iter().any(|f| f == file);
            if listed || v["all"] == true {
                return v;
            }
        }
    }

    /// Nothing arrives for a while.
    fn quiet(&self, d: Duration) -> Option<(String, String)> {
        self.0.recv_timeout(d).ok()
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Saves like editors that write a temporary file and rename it over the original.
fn atomic_save(path: &Path, text: &str) {
    let tmp: PathBuf = path.with_extension("md.gk-save");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

const PAGE: &str = "/agencies/pingtan/2021.html";
const PAGE_FILE: &str = "agencies/pingtan/2021.html";

#[test]
fn serve_reloads_shows_errors_and_recovers() {
    let site = common::example_site();
    let root = site.path();
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");
    assert!(
        server.addr.starts_with("127.0.0.1:"),
        "loopback by default: {}",
        server.addr
    );
    assert!(!server.log().contains("warning"), "{}", server.log());

    // The page is served with the live-reload script; the files on disk never contain it.
    let (status, head, body) = server.get(PAGE);
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(body.contains("/__gongkai/live.js"), "script injected");
    assert!(body.contains(">1282<"), "the published number");
    for e in walkdir::WalkDir::new(root.join("public"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let bytes = std::fs::read(e.path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__gongkai"),
            "{} has the live script",
            e.path().display()
        );
    }
    let (status, head, js) = server.get("/__gongkai/live.js");
    assert_eq!(status, 200);
    assert!(head.contains("text/javascript") && js.contains("EventSource"));

    let events = server.events();
    // With a data line: browsers drop an event without one (the overlay would stay).
    assert_eq!(
        events.next("ok"),
        "ok",
        "a fresh connection learns the site is fine"
    );

    // 1. Edit a number: the page reloads, and only what depends on the report was written.
    let report = root.join("content/pingtan/2021.md");
    edit(
        &report,
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    let v = events.reload_of(PAGE_FILE);
    assert_eq!(v["all"], false, "incremental: {v}");
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(
        !files.iter().any(|f| f.contains("huaian-city")),
        "unrelated pages untouched: {files:?}"
    );
    assert!(server.get(PAGE).2.contains(">1283<"), "new content served");

    // 2. Break it: every page gets the errors; the last good page is still served.
    let text = std::fs::read_to_string(&report).unwrap();
    atomic_save(
        &report,
        &text.replace(
            "penalties           = [1283]",
            "penalties           = [1283, 5]",
        ),
    );
    let errors: serde_json::Value = serde_json::from_str(&events.next("errors")).unwrap();
    let first = &errors[0];
    assert_eq!(first["file"], "content/pingtan/2021.md");
    assert_eq!(first["line"], 17);
    assert_eq!(first["label"], "行政处罚", "the official label: {first}");
    assert!(first["message"].as_str().unwrap().contains("penalties"));
    let (status, _, body) = server.get(PAGE);
    assert_eq!(status, 200, "the last good site stays");
    assert!(body.contains(">1283<"));
    // A page opened now learns about the errors at once.
    let late = server.events();
    assert!(late.next("errors").contains("content/pingtan/2021.md"));
    let mut server = server;
    server.wait_log("still serving the last good site");
    assert!(
        server.log().contains("content/pingtan/2021.md:17:23"),
        "terminal shows the diagnostic:\n{}",
        server.log()
    );

    // 3. Fix it: the overlay is cleared and the page reloads.
    atomic_save(
        &report,
        &text.replace(
            "penalties           = [1283]",
            "penalties           = [1284]",
        ),
    );
    events.next("ok");
    events.reload_of(PAGE_FILE);
    assert!(server.get(PAGE).2.contains(">1284<"));

    // 4. Editors' temporary and swap files change nothing.
    std::fs::write(root.join("content/pingtan/.2021.md.swp"), "x").unwrap();
    std::fs::write(root.join("content/pingtan/2021.md~"), "x").unwrap();
    assert_eq!(
        events.quiet(Duration::from_millis(600)),
        None,
        "no event for swap files"
    );

    // 5. Rename an agency folder: new pages appear, old ones are gone (the 404 page).
    std::fs::rename(
        root.join("content/huaian-city"),
        root.join("content/huaian"),
    )
    .unwrap();
    let v = events.reload_of("agencies/huaian/2024.html");
    assert_eq!(v["all"], true, "structural change: full rebuild");
    assert_eq!(server.get("/agencies/huaian/2024.html").0, 200);
    let (status, _, body) = server.get("/agencies/huaian-city/2024.html");
    assert_eq!(status, 404);
    assert!(
        body.contains("页面不存在") && body.contains("/__gongkai/live.js"),
        "the site's 404 page"
    );
    let (_, _, agencies) = server.get("/agencies/");
    assert!(!agencies.contains("huaian-city/"), "no stale listing");

    // 6. Delete a report.
    std::fs::remove_file(root.join("content/pingtan/2019.md")).unwrap();
    events.reload_of("agencies/pingtan/2019.html");
    assert_eq!(server.get("/agencies/pingtan/2019.html").0, 404);
    assert!(
        !server.get("/agencies/pingtan/").2.contains("2019.html"),
        "agency page no longer lists it"
    );

    // 7. A new agency folder with a report, moved in at once.
    let incoming = root.join("incoming");
    common::copy_tree(&root.join("content/biaokou-town"), &incoming);
    std::fs::write(
        incoming.join("agency.toml"),
        "name = \"新建镇人民政府\"\nlevel = \"township\"\n",
    )
    .unwrap();
    std::fs::rename(&incoming, root.join("content/biaokou-copy")).unwrap();
    events.reload_of("agencies/biaokou-copy/2021.html");
    assert_eq!(server.get("/agencies/biaokou-copy/2021.html").0, 200);

    let log = server.interrupt();
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn the_server_serves_only_the_output_folder() {
    let site = common::example_site();
    let root = site.path();
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/说明.txt"), "中文文件名").unwrap();
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");

    for bad in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E%2Fsite.toml",
        "/static/..%2f..%2fsite.toml",
        "/static/%2e%2e/%2e%2e/site.toml",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/..\\site.toml",
        "/content/pingtan/2021.md",
    ] {
        let (status, _, body) = server.get(bad);
        assert_eq!(status, 404, "{bad} is refused");
        assert!(
            !body.contains("base_url") && !body.contains("root:"),
            "{bad} leaked a file"
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("site.toml"), root.join("public/leak.toml")).unwrap();
        assert_eq!(
            server.get("/leak.toml").0,
            404,
            "symlinks out of the folder"
        );
    }

    for (path, ctype) in [
        ("/", "text/html; charset=utf-8"),
        ("/static/style.css", "text/css"),
        ("/static/search.js", "text/javascript"),
        ("/data/reports.json", "application/json"),
        ("/data/reports.csv", "text/csv"),
        ("/feed.xml", "application/xml"),
        ("/sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain"),
        ("/data/report.schema.json", "application/json"),
        ("/static/%E8%AF%B4%E6%98%8E.txt", "text/plain"),
    ] {
        let (status, head, _) = server.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.contains(&format!("content-type: {ctype}")),
            "{path}: {head}"
        );
    }
    assert_eq!(
        server.get("/static/%E8%AF%B4%E6%98%8E.txt").2,
        "中文文件名",
        "Chinese paths"
    );

    // A folder without its slash redirects, so that relative links resolve.
    let (status, head, _) = server.get("/agencies/pingtan");
    assert_eq!(status, 301);
    assert!(head.contains("location: /agencies/pingtan/"), "{head}");
    // Never to a path a browser reads as another host.
    for path in ["//agencies", "///agencies/pingtan"] {
        let (status, head, _) = server.get(path);
        assert_eq!(status, 301, "{path}");
        let location = head
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .unwrap_or_default();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{path} → {location}"
        );
    }
    // Reading only: other methods are refused.
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let (status, head, body) = server.send(method, "/index.html");
        assert_eq!(status, 405, "{method}");
        assert!(head.contains("allow: get, head"), "{method}: {head}");
        assert!(!body.contains("<html"), "{method}");
    }
    let (status, _, body) = server.send("HEAD", "/index.html");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    // The site also answers under the path of its base_url (the 404 page links that way).
    assert_eq!(server.get("/gongkai/static/style.css").0, 200);
    assert_eq!(server.get("/gongkai/agencies/pingtan/2021.html").0, 200);
    let (status, _, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("页面不存在"));
    server.interrupt();
}

#[test]
fn serve_warns_on_a_public_interface() {
    let site = common::example_site();
    let server = Running::start(
        site.path(),
        &["serve", "--port", "0", "--interface", "0.0.0.0"],
        "press Ctrl-C",
    );
    assert!(
        server.log().contains("warning: serving on 0.0.0.0"),
        "{}",
        server.log()
    );
    // The address printed is one a browser can open, not the wildcard.
    assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.log());
    assert_eq!(server.get("/").0, 200);
    assert!(
        server.log().contains("from other machines"),
        "{}",
        server.log()
    );
    server.interrupt();
}

/// A site with an error from the start has no output yet: the server answers with the
/// diagnostics (and the live script, so the page becomes the site once fixed), not a bare
/// "not found".
#[test]
fn errors_at_start_are_the_page_until_fixed() {
    let site = common::example_site();
    let root = site.path();
    let report = root.join("content/pingtan/2022.md");
    edit(
        &report,
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
    );
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");
    assert!(!root.join("public").exists());
    let (status, head, body) = server.get("/");
    assert_eq!(status, 503, "{head}");
    assert!(head.contains("text/html"), "{head}");
    assert!(body.contains("The site has errors"), "{body}");
    assert!(body.contains("error[I4]"), "{body}");
    assert!(body.contains("content/pingtan/2022.md:"), "{body}");
    assert!(body.contains("/__gongkai/live.js"), "{body}");
    assert_eq!(server.get("/agencies/pingtan/2022.html").0, 503);
    let events = server.events();
    assert!(!events.next("errors").is_empty());
    edit(
        &report,
        "reconsideration         = [0, 1, 1, 0, 3]",
        "reconsideration         = [0, 1, 1, 0, 2]",
    );
    assert_eq!(events.next("ok"), "ok");
    let (status, _, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(!body.contains("The site has errors"));
    server.interrupt();
}

/// A report the server cannot read is an error; `chmod` alone (no write) fixes it. Root reads
/// any file, so as root the server runs as `nobody` (with setpriv) to make the test real.
#[test]
fn a_report_fixed_by_chmod_alone_is_picked_up() {
    use std::os::unix::fs::PermissionsExt;
    let site = common::example_site();
    let root = site.path();
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let program = if is_root {
        let setpriv = Path::new("/usr/bin/setpriv");
        if !common::tool_available(setpriv, "setpriv (util-linux), to run the server as nobody") {
            return;
        }
        // The site (and the folders above it) readable and writable by nobody.
        let status = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(root)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new(setpriv);
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_gongkai"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_gongkai"))
    };
    let report = root.join("content/pingtan/2022.md");
    let server = Running::spawn(program, root, &["serve", "--port", "0"], "press Ctrl-C");
    let events = server.events();
    assert_eq!(events.next("ok"), "ok");
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Removing the read permission is itself only a metadata change, and the site is fine,
    // so nothing is rebuilt; an edit of the agency makes the server read everything again.
    edit(
        &root.join("content/pingtan/agency.toml"),
        "order = 20",
        "order = 21",
    );
    let errors = events.next("errors");
    assert!(errors.contains("content/pingtan/2022.md"), "{errors}");
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(events.next("ok"), "ok", "{}", server.log());
    server.interrupt();
}

#[test]
fn watch_rebuilds_without_a_server() {
    let site = common::example_site();
    let root = site.path();
    let watcher = Running::start(root, &["watch"], "watching for changes");
    let page = root.join("public").join(PAGE_FILE);
    assert!(std::fs::read_to_string(&page).unwrap().contains(">1282<"));
    edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1290]",
    );
    let start = Instant::now();
    while !std::fs::read_to_string(&page)
        .unwrap_or_default()
        .contains(">1290<")
    {
        assert!(
            start.elapsed() < WAIT,
            "page not updated:\n{}",
            watcher.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !std::fs::read_to_string(&page)
            .unwrap()
            .contains("__gongkai")
    );
    let mut watcher = watcher;
    watcher.wait_log("updated in");
    watcher.interrupt();
}

/// A page open in headless Chromium reloads by itself after an edit, shows the error overlay
/// when the report breaks, and clears it when fixed.
#[test]
fn a_page_open_in_chromium_reloads_by_itself() {
    let modules = common::repo().join("tests/browser/node_modules/playwright-core");
    if !common::tool_available(Path::new("/usr/bin/chromium"), "chromium")
        || !common::tool_available(&modules, "playwright-core (npm install in tests/browser)")
    {
        return;
    }
    let site = common::example_site();
    let root = site.path();
    // The clerk's language: the overlay's words come from the Chinese catalogue.
    let server = Running::start(
        root,
        &["serve", "--port", "0", "--lang", "zh"],
        "按 Ctrl-C 停止",
    );
    let out = Command::new("node")
        .arg(common::repo().join("tests/browser/live.mjs"))
        .arg(format!("http://{}{PAGE}", server.addr))
        .arg(root.join("content/pingtan/2021.md"))
        .output()
        .expect("node runs");
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(
        out.status.success(),
        "browser checks failed:\n{log}\nserver:\n{}",
        server.log()
    );
    for step in [
        "reloaded by itself",
        "overlay shows the error",
        "overlay cleared",
        "overlay speaks Chinese",
        "overlay gone after undo, without a reload",
    ] {
        assert!(log.contains(&format!("ok   {step}")), "{step}:\n{log}");
    }
    server.interrupt();
}

/// A FIFO named like a report must not block the watcher: it is an error on the page, and
/// later edits are still rebuilt.
#[test]
fn a_fifo_in_content_does_not_stop_the_watcher() {
    let site = common::example_site();
    let root = site.path();
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");
    let events = server.events();
    assert_eq!(events.next("ok"), "ok");
    let fifo = root.join("content/pingtan/2031.md");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let errors = events.next("errors");
    assert!(errors.contains("not-a-file"), "{errors}");
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(events.next("ok"), "ok");
    // The full rebuild after the fix reloads every page.
    events.next("reload");
    edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1291]",
    );
    events.reload_of(PAGE_FILE);
    assert!(server.get(PAGE).2.contains(">1291<"));
    server.interrupt();
}

/// `build` while `serve` runs on the same output is refused (they would delete each other's
/// staging folders); the server keeps serving.
#[test]
fn build_is_refused_while_serve_writes_the_output() {
    let site = common::example_site();
    let root = site.path();
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");
    let out = common::gongkai(root, &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another gongkai (build, serve or watch) is writing"),
        "{err}"
    );
    // A second serve of the same site too.
    let out = common::gongkai(root, &["serve", "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("is writing"));
    assert_eq!(server.get(PAGE).0, 200);
    server.interrupt();
    let out = common::gongkai(root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// The output deleted while serving is rebuilt whole (not left partial and reported ok), and
/// a later `build` replaces it as its own.
#[test]
fn a_deleted_output_is_rebuilt_whole() {
    let site = common::example_site();
    let root = site.path();
    let server = Running::start(root, &["serve", "--port", "0"], "press Ctrl-C");
    let events = server.events();
    assert_eq!(events.next("ok"), "ok");
    let public = root.join("public");
    std::fs::remove_dir_all(&public).unwrap();
    // An edit lands in the deleted folder's place before the server notices.
    edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1292]",
    );
    let start = Instant::now();
    loop {
        if public.join(".gongkai-output").is_file() && public.join("static/style.css").is_file() {
            break;
        }
        assert!(start.elapsed() < WAIT, "not rebuilt:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    // Wait for the server to settle, then compare with a fresh build of the same sources.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(server.get(PAGE).2.contains(">1292<"));
    let out = common::gongkai(root, &["build", "-o", "fresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(
        common::snapshot(&public),
        common::snapshot(&root.join("fresh"))
    );
    server.interrupt();
    let out = common::gongkai(root, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// Half-open connections (nothing sent) are closed after the header-read timeout instead of
/// holding the server's descriptors for ever; the server answers afterwards.
#[test]
fn idle_connections_are_closed_and_the_server_keeps_answering() {
    let site = common::example_site();
    let server = Running::start(site.path(), &["serve", "--port", "0"], "press Ctrl-C");
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&server.addr).expect("connects"))
        .collect();
    std::thread::sleep(Duration::from_secs(12));
    let closed = idle
        .iter()
        .filter(|s| {
            let mut s = *s;
            s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let mut buf = [0u8; 64];
            matches!(s.read(&mut buf), Ok(0)) || matches!(s.read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset)
        })
        .count();
    assert!(
        closed >= 256,
        "only {closed} of 300 idle connections were closed"
    );
    drop(idle);
    let start = Instant::now();
    assert_eq!(server.get(PAGE).0, 200);
    assert!(start.elapsed() < Duration::from_secs(5), "answered late");
    server.interrupt();
}

/// With its descriptors used up (a low limit and many connections), a rebuild fails; once
/// they are free again the server rebuilds by itself, without another edit.
#[test]
fn a_rebuild_that_ran_out_of_descriptors_recovers() {
    let prlimit = Path::new("/usr/bin/prlimit");
    if !common::tool_available(prlimit, "prlimit (util-linux)") {
        return;
    }
    let site = common::example_site();
    let root = site.path();
    let mut program = Command::new(prlimit);
    program
        .args(["--nofile=96:96", "--"])
        .arg(env!("CARGO_BIN_EXE_gongkai"));
    let server = Running::spawn(program, root, &["serve", "--port", "0"], "press Ctrl-C");
    let events = server.events();
    assert_eq!(events.next("ok"), "ok");
    // Take every descriptor the server has left.
    let hogs: Vec<TcpStream> = (0..120)
        .filter_map(|_| TcpStream::connect(&server.addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1293]",
    );
    let errors = events.next("errors");
    assert!(
        errors.contains("Too many open files") || errors.contains("os error 24"),
        "{errors}"
    );
    drop(hogs);
    // Freed by the clients here (or by the header timeout): rebuilt without an edit.
    assert_eq!(events.next("ok"), "ok", "{}", server.log());
    assert!(server.get(PAGE).2.contains(">1293<"));
    server.interrupt();
}
