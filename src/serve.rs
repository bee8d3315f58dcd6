//! `gongkai serve` and `gongkai watch`: rebuild on change, and (serve) an HTTP server for
//! the output folder with live reload and an error overlay.
//!
//! The server serves only the output folder: paths are percent-decoded, `..` and absolute
//! paths are refused, and the resolved file must lie inside the folder (so a symlink cannot
//! lead out). HTML responses get a small script injected that listens to server-sent events:
//! `reload` (with the files that changed), `errors` (the diagnostics, shown in an overlay
//! while the last good page stays) and `ok`. The files on disk never contain the script.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify_debouncer_full::notify::event::ModifyKind;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::diag::{Diagnostics, Severity};
use crate::watch::{Outcome, Session, watched_paths};

/// How long the watcher waits for a burst of events to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(25);

const LIVE_JS: &str = include_str!("live.js");

/// What the browser is told.
#[derive(Clone, Debug)]
enum Message {
    /// Files that changed (relative to the output folder); `all` after a full rebuild.
    Reload {
        all: bool,
        files: Vec<String>,
    },
    /// The diagnostics as JSON (for the overlay) and as text (for the error page).
    Errors {
        json: String,
        text: String,
    },
    Ok,
}

struct Live {
    out: RwLock<PathBuf>,
    /// The path of `base_url` (`/gongkai/`): pages that link absolutely (404.html) use it.
    base: RwLock<String>,
    /// The diagnostics as JSON and as text while the site has errors.
    errors: RwLock<Option<(String, String)>>,
    tx: broadcast::Sender<Message>,
}

fn only(d: &Diagnostics, severity: Severity) -> Diagnostics {
    Diagnostics {
        items: d
            .items
            .iter()
            .filter(|x| x.severity == severity)
            .cloned()
            .collect(),
    }
}

/// Prints the outcome of a (re)build on the terminal and returns the browser message.
fn report(outcome: &Outcome) -> Option<Message> {
    match outcome {
        Outcome::Unchanged => None,
        Outcome::Built {
            written,
            elapsed,
            full,
            diagnostics,
            sources,
        } => {
            only(diagnostics, Severity::Warning).eprint(sources);
            let (ms, n) = (elapsed.as_millis(), written.len());
            say!(
                "{}",
                if *full {
                    t!("serve.rebuilt", ms = ms, n = n)
                } else {
                    t!("serve.updated", ms = ms, n = n)
                }
            );
            Some(Message::Reload {
                all: *full,
                files: if *full { Vec::new() } else { written.clone() },
            })
        }
        Outcome::Failed {
            diagnostics,
            sources,
        } => {
            // What needs fixing; acknowledged findings are not news while authoring.
            let errors = only(diagnostics, Severity::Error);
            only(diagnostics, Severity::Warning).eprint(sources);
            errors.eprint(sources);
            eprintln!(
                "{}",
                t!("serve.still_serving", summary = diagnostics.summary())
            );
            Some(Message::Errors {
                json: errors.to_json(),
                text: errors.render(sources, false),
            })
        }
    }
}

/// Options of `serve` and `watch`.
pub struct Options {
    /// `None` for `watch`: rebuild only.
    pub listen: Option<(IpAddr, u16)>,
    pub open: bool,
}

/// Runs `serve` or `watch` until Ctrl-C; returns the exit status.
pub fn run(root: &Path, opts: Options) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "{}",
                t!("cmd.error", message = t!("serve.cannot_start", error = e))
            );
            return 1;
        }
    };
    let (session, first) = match Session::start(root) {
        Ok(s) => s,
        Err(crate::build::Failure::Unreadable(f)) => {
            f.diagnostics.eprint(&f.sources);
            eprintln!("{}", t!("cmd.error", message = f.message));
            return 2;
        }
        Err(crate::build::Failure::Output(d)) => {
            Diagnostics { items: d }.eprint(&Default::default());
            return 1;
        }
        Err(crate::build::Failure::Invalid {
            diagnostics,
            sources,
        }) => {
            diagnostics.eprint(&sources);
            return 1;
        }
    };
    let (tx, _) = broadcast::channel(64);
    let live = Arc::new(Live {
        out: RwLock::new(session.output().to_path_buf()),
        base: RwLock::new(session.base_path()),
        errors: RwLock::new(None),
        tx,
    });
    if let Some(Message::Errors { json, text }) = report(&first) {
        set_errors(&live, Some((json, text)));
    }
    let theme = session.theme_name().to_string();
    // Watch in a plain thread: it owns the session and must not hold up shutdown.
    let watcher_live = live.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || watch_loop(session, &theme, watcher_live, ready_tx));
    let ready = ready_rx
        .recv()
        .unwrap_or_else(|_| Err(t!("serve.watcher_stopped")));
    if let Err(e) = ready {
        eprintln!(
            "{}",
            t!("cmd.error", message = t!("serve.cannot_watch", error = e))
        );
        return 1;
    }
    runtime.block_on(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match opts.listen {
            None => {
                say!("{}", t!("serve.watching"));
                ctrl_c.await;
            }
            Some((ip, port)) => {
                let listener = match tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await
                {
                    Ok(l) => l,
                    Err(e) => {
                        let message = if e.kind() == std::io::ErrorKind::AddrInUse {
                            t!("serve.port_in_use", ip = ip, port = port)
                        } else {
                            t!("serve.cannot_listen", ip = ip, port = port, error = e)
                        };
                        eprintln!("{}", t!("cmd.error", message = message));
                        if e.kind() == std::io::ErrorKind::AddrInUse {
                            eprintln!(
                                "{}",
                                t!(
                                    "cmd.help",
                                    message = t!("serve.port_in_use_help", port = port)
                                )
                            );
                        }
                        return 1;
                    }
                };
                let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
                if !ip.is_loopback() {
                    eprintln!("{}", t!("serve.public_warning", ip = ip));
                }
                let url = browse_url(ip, port);
                say!(
                    "{}",
                    t!("serve.serving", dir = live_out(&live).display(), url = url)
                );
                if ip.is_unspecified() {
                    say!("{}", t!("serve.other_machines", port = port));
                }
                if opts.open {
                    let _ = open::that_detached(&url);
                }
                let app = Router::new()
                    .route("/__gongkai/live.js", get(live_js))
                    .route("/__gongkai/events", get(events))
                    .fallback(serve_file)
                    .with_state(live);
                tokio::select! {
                    _ = accept_loop(listener, app) => {}
                    _ = ctrl_c => {}
                }
            }
        }
        say!("{}", t!("serve.stopped"));
        0
    })
}

fn live_out(live: &Live) -> PathBuf {
    live.out.read().map(|p| p.clone()).unwrap_or_default()
}

fn set_errors(live: &Live, e: Option<(String, String)>) {
    if let Ok(mut g) = live.errors.write() {
        *g = e;
    }
}

/// Receives file events, applies them to the session, tells browsers.
fn watch_loop(
    mut session: Session,
    theme: &str,
    live: Arc<Live>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = match notify_debouncer_full::new_debouncer(DEBOUNCE, None, tx) {
        Ok(d) => d,
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return;
        }
    };
    for (path, recursive) in watched_paths(&site_root(&session), theme) {
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        if let Err(e) = debouncer.watch(&path, mode) {
            let _ = ready.send(Err(format!("{}: {e}", path.display())));
            return;
        }
    }
    let _ = ready.send(Ok(()));
    let mut watching = watched_paths(&site_root(&session), theme);
    loop {
        let result = match rx.recv_timeout(HEAL_EVERY) {
            Ok(r) => r,
            // Quiet for a while: the output may have been damaged from outside (deleted
            // while serving) or a write failed (descriptors, space): rebuild when so.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let outcome = session.heal();
                publish(&live, &session, &outcome);
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let Ok(events) = result else { continue };
        // Reading files (our own builds do) is not a change. A change of permissions or
        // times is one while the site has errors: `chmod` or `touch` may be the fix (a
        // report that could not be read), and the rebuild is what shows it.
        let failing = live.errors.read().map(|g| g.is_some()).unwrap_or(false);
        let mut paths: Vec<PathBuf> = events
            .into_iter()
            .filter(|e| match e.event.kind {
                EventKind::Access(_) => false,
                EventKind::Modify(ModifyKind::Metadata(_)) => failing,
                _ => true,
            })
            .flat_map(|e| e.event.paths)
            .collect();
        if paths.is_empty() {
            continue;
        }
        paths.sort();
        paths.dedup();
        // Folders created since (templates/, static/, a new agency) are watched too.
        let now = watched_paths(&site_root(&session), theme);
        for (p, recursive) in now.iter().filter(|x| !watching.contains(x)) {
            let mode = if *recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            let _ = debouncer.watch(p, mode);
        }
        watching = now;
        let outcome = session.apply(&paths);
        publish(&live, &session, &outcome);
        // The research files of the edited years, once the browser has what it shows.
        let settled = session.settle();
        publish(&live, &session, &settled);
    }
}

/// At most this many connections at once (browsers open six per site; the live-reload
/// stream holds one per open page); more wait to be accepted.
const MAX_CONNECTIONS: usize = 256;
/// A client that has not sent its request headers within this time is disconnected, so that
/// half-open connections cannot hold the server's descriptors.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections for ever: each is served by hyper with a header-read timeout, at most
/// [`MAX_CONNECTIONS`] at once. An accept that fails (no descriptors left) is retried after a
/// pause instead of stopping the server.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

/// How often a quiet server checks that its output is whole.
const HEAL_EVERY: Duration = Duration::from_millis(500);

/// Tells the terminal and the browsers what a rebuild did.
fn publish(live: &Live, session: &Session, outcome: &Outcome) {
    if let Ok(mut o) = live.out.write() {
        *o = session.output().to_path_buf();
    }
    if let Ok(mut b) = live.base.write() {
        *b = session.base_path();
    }
    match report(outcome) {
        Some(Message::Errors { json, text }) => {
            set_errors(live, Some((json.clone(), text.clone())));
            let _ = live.tx.send(Message::Errors { json, text });
        }
        Some(m @ Message::Reload { .. }) => {
            let empty = matches!(&m, Message::Reload { all: false, files } if files.is_empty());
            let had_errors = live.errors.read().map(|g| g.is_some()).unwrap_or(false);
            set_errors(live, None);
            if had_errors {
                let _ = live.tx.send(Message::Ok);
            }
            if !empty {
                let _ = live.tx.send(m);
            }
        }
        _ => {}
    }
}

fn site_root(session: &Session) -> PathBuf {
    session.root().to_path_buf()
}

async fn live_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("window.gkLiveText = {};\n{LIVE_JS}", overlay_text()),
    )
}

/// The overlay's words in the user's language, as a JSON object for live.js.
fn overlay_text() -> String {
    serde_json::json!({
        "title": t!("serve.overlay_title", n = "{n}"),
        "error": t!("diag.severity_error"),
        "expected": t!("serve.overlay_expected"),
        "found": t!("serve.overlay_found"),
        "help": t!("serve.overlay_help"),
        "footer": t!("serve.overlay_footer"),
    })
    .to_string()
}

async fn events(State(live): State<Arc<Live>>) -> impl IntoResponse {
    let first = match live.errors.read().ok().and_then(|g| g.clone()) {
        Some((json, text)) => Message::Errors { json, text },
        None => Message::Ok,
    };
    let rx = live.tx.subscribe();
    let stream = tokio_stream::once(Ok::<Message, std::convert::Infallible>(first))
        .chain(BroadcastStream::new(rx).filter_map(|m| m.ok().map(Ok)))
        .map(|m: Result<Message, std::convert::Infallible>| {
            let m = m.unwrap_or(Message::Ok);
            Ok::<Event, std::convert::Infallible>(match m {
                Message::Reload { all, files } => Event::default()
                    .event("reload")
                    .data(serde_json::json!({ "all": all, "files": files }).to_string()),
                Message::Errors { json, .. } => Event::default().event("errors").data(json),
                // A data line is required: browsers drop an event without one, and the
                // overlay would stay after an undo that changes no output file.
                Message::Ok => Event::default().event("ok").data("ok"),
            })
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Where a request path leads inside the output folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    /// A folder asked for without its trailing slash: redirect, so relative links resolve.
    Folder,
}

/// The file under the output folder for a request path, or `None` if the path is refused or
/// leads outside the folder.
pub fn resolve(out: &Path, request_path: &str) -> Option<Target> {
    let decoded = percent_encoding::percent_decode_str(request_path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut path = out.to_path_buf();
    for part in decoded.trim_start_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains(':') => return None,
            p => path.push(p),
        }
    }
    let root = std::fs::canonicalize(out).ok()?;
    let inside = |p: &Path| {
        std::fs::canonicalize(p)
            .ok()
            .filter(|c| c.starts_with(&root))
    };
    let target = inside(&path)?;
    if target.is_dir() {
        if !decoded.ends_with('/') {
            return Some(Target::Folder);
        }
        inside(&target.join("index.html"))
            .filter(|p| p.is_file())
            .map(Target::File)
    } else {
        (target.is_file() && !decoded.ends_with('/')).then_some(Target::File(target))
    }
}

fn content_type(path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8".into(),
        "js" => "text/javascript; charset=utf-8".into(),
        "css" => "text/css; charset=utf-8".into(),
        "json" => "application/json".into(),
        "csv" => "text/csv; charset=utf-8".into(),
        "xml" => "application/xml; charset=utf-8".into(),
        "txt" => "text/plain; charset=utf-8".into(),
        _ => mime_guess::from_path(path)
            .first_or_octet_stream()
            .to_string(),
    }
}

/// The script tag that `serve` adds to every page.
fn live_tag(base: &str) -> String {
    let base = base.replace(['"', '<', '>', '&'], "");
    format!("<script src=\"/__gongkai/live.js\" data-base=\"{base}\"></script>")
}

/// HTML with the live-reload script before `</body>`.
/// The page served while the site has errors and no page was ever built.
fn error_page(diagnostics: &str) -> String {
    use crate::render::table::esc;
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head><body><main><h1>{title}</h1><p>{intro}</p><pre>{text}</pre></main></body></html>",
        lang = if crate::i18n::lang() == crate::i18n::Lang::En {
            "en"
        } else {
            "zh-CN"
        },
        title = esc(&t!("serve.error_page_title")),
        intro = esc(&t!("serve.error_page_intro")),
        text = esc(diagnostics),
    )
}

/// The address to open in a browser: a wildcard address is not one; this machine is.
fn browse_url(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => format!("http://127.0.0.1:{port}/"),
        IpAddr::V6(v6) if v6.is_unspecified() => format!("http://[::1]:{port}/"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/"),
        IpAddr::V4(v4) => format!("http://{v4}:{port}/"),
    }
}

fn inject(html: Vec<u8>, base: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(&html);
    let tag = live_tag(base);
    match text.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

async fn serve_file(State(live): State<Arc<Live>>, req: Request<Body>) -> Response {
    // A static site: reading only.
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let out = live_out(&live);
    let base = live
        .base
        .read()
        .map(|b| b.clone())
        .unwrap_or_else(|_| "/".into());
    // The site answers both at `/` and under the path of its base_url, so that pages linking
    // absolutely (the 404 page) work too.
    let full_path = req.uri().path();
    let path = match full_path.strip_prefix(base.trim_end_matches('/')) {
        Some(rest) if base != "/" && (rest.is_empty() || rest.starts_with('/')) => {
            format!("/{}", rest.trim_start_matches('/'))
        }
        _ => full_path.to_string(),
    };
    // A directory without its trailing slash: redirect, so relative links resolve.
    let (status, file) = match resolve(&out, &path) {
        Some(Target::File(f)) => (StatusCode::OK, f),
        Some(Target::Folder) => {
            // One leading slash: `//agencies/` would name the host `agencies`, and browsers
            // read `\` as `/`.
            let local = full_path.trim_start_matches(['/', '\\']);
            let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/{local}/")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        None => (StatusCode::NOT_FOUND, out.join("404.html")),
    };
    // Read in place: the pages are small and in the page cache. tokio::fs would hand each
    // read to a pool thread, and under 50 connections the pool's churn of threads (each with
    // its allocator cache) let the server's memory grow for as long as the load lasted.
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        // No page to show: while the site has errors (at start, before any good build)
        // the errors are the page; it reloads itself once they are fixed.
        Err(_) => {
            let errors = live.errors.read().ok().and_then(|g| g.clone());
            return match errors {
                Some((_, text)) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    inject(error_page(&text).into_bytes(), &base),
                )
                    .into_response(),
                None => (StatusCode::NOT_FOUND, t!("serve.not_found")).into_response(),
            };
        }
    };
    let ctype = content_type(&file);
    let body = if ctype.starts_with("text/html") {
        inject(bytes, &base)
    } else {
        bytes
    };
    let mut r = (status, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&ctype) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir_all(out.join("报告")).unwrap();
        std::fs::write(out.join("index.html"), "home").unwrap();
        std::fs::write(out.join("报告/index.html"), "cn").unwrap();
        std::fs::write(tmp.path().join("site.toml"), "secret").unwrap();
        assert_eq!(
            resolve(&out, "/"),
            Some(Target::File(out.canonicalize().unwrap().join("index.html")))
        );
        assert!(
            matches!(resolve(&out, "/%E6%8A%A5%E5%91%8A/"), Some(Target::File(_))),
            "Chinese paths"
        );
        assert!(matches!(
            resolve(&out, "/报告/index.html"),
            Some(Target::File(_))
        ));
        assert_eq!(resolve(&out, "/%E6%8A%A5%E5%91%8A"), Some(Target::Folder));
        assert_eq!(resolve(&out, "/index.html/"), None);
        assert_eq!(resolve(&out, "/missing.html"), None);
        for bad in [
            "/../site.toml",
            "/%2e%2e/site.toml",
            "/%2E%2E%2Fsite.toml",
            "/..%2fsite.toml",
            "//etc/passwd",
            "/C:/x",
            "/a\\..\\site.toml",
            "/%00",
        ] {
            assert_eq!(resolve(&out, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("site.toml"), out.join("link")).unwrap();
            assert_eq!(resolve(&out, "/link"), None, "symlinks out of the folder");
        }
    }

    #[test]
    fn script_is_injected_before_body_end() {
        let html = inject(b"<html><body><p>x</p></body></html>".to_vec(), "/gongkai/");
        assert_eq!(
            String::from_utf8(html).unwrap(),
            "<html><body><p>x</p><script src=\"/__gongkai/live.js\" data-base=\"/gongkai/\"></script></body></html>"
        );
    }
}
