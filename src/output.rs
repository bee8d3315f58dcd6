//! Write stage: the site is written into a staging folder next to the output folder and
//! swapped into place only when complete, so a failed or interrupted build leaves the
//! previous output exactly as it was.
//!
//! gongkai only ever replaces a folder it created itself (marked by [`MARKER`]), and refuses
//! output folders that are the site root, hold it, or sit inside its content or theme.

use std::path::{Path, PathBuf};

/// What every build carries over from the previous output: files that hosting needs and
/// users add by hand (GitHub Pages' CNAME and .nojekyll, ACME and other .well-known files, a
/// git checkout of the published site). `keep = [...]` in site.toml adds names.
pub const ALWAYS_KEPT: &[&str] = &["CNAME", ".nojekyll", ".well-known", ".git"];

/// What gongkai itself writes at the top of the output folder: never a name to keep.
const GENERATED: &[&str] = &[
    MARKER,
    "index.html",
    "404.html",
    "agencies",
    "years",
    "data",
    "search",
    "static",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
];

/// Whether `name` can be kept across builds: one name at the top of the output folder, not
/// one gongkai writes. The reason when not.
pub fn keepable(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(t!("output.keep_not_a_name"));
    }
    if GENERATED.contains(&name) {
        return Err(t!("output.keep_generated"));
    }
    Ok(())
}

/// A file gongkai puts in every output folder it creates.
pub const MARKER: &str = ".gongkai-output";
const STAGING_PREFIX: &str = ".gongkai-staging-";

/// The output folder of a site, checked for safety.
pub fn output_dir(root: &Path, configured: &str) -> Result<PathBuf, String> {
    let out = root.join(configured);
    let root_abs = std::fs::canonicalize(root)
        .map_err(|e| t!("output.cannot_resolve", path = root.display(), error = e))?;
    let out_abs = absolute(&out, &root_abs)?;
    let refuse = |why: String| Err(t!("output.refuse", dir = configured, why = why));
    if out_abs == root_abs {
        return refuse(t!("output.is_root"));
    }
    if root_abs.starts_with(&out_abs) {
        return refuse(t!("output.holds_root"));
    }
    for protected in ["content", "themes", "templates", "static"] {
        if out_abs.starts_with(root_abs.join(protected)) {
            return refuse(t!("output.inside", folder = protected));
        }
    }
    if out_abs.exists() {
        if !out_abs.is_dir() {
            return refuse(t!("output.not_folder"));
        }
        let empty = std::fs::read_dir(&out_abs)
            .map(|mut r| r.next().is_none())
            .unwrap_or(false);
        if !empty && !out_abs.join(MARKER).is_file() {
            return refuse(t!("output.not_ours"));
        }
    }
    Ok(out_abs)
}

/// `path` made absolute without creating anything: its nearest existing ancestor is
/// resolved (symlinks followed) and the rest appended, so a refused output folder leaves no
/// trace on disk.
fn absolute(path: &Path, root_abs: &Path) -> Result<PathBuf, String> {
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let mut cur = path.to_path_buf();
    loop {
        if let Ok(p) = std::fs::canonicalize(&cur) {
            let mut out = p;
            for part in rest.iter().rev() {
                if part == ".." {
                    out.pop();
                } else if part != "." {
                    out.push(part);
                }
            }
            return Ok(out);
        }
        match (cur.file_name(), cur.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n.to_os_string());
                cur = p.to_path_buf();
            }
            _ if cur.ends_with("..") => {
                rest.push("..".into());
                cur.pop();
            }
            _ => return Ok(root_abs.join(path)),
        }
    }
}

/// An exclusive claim on an output folder, held by a build for its duration and by `serve`
/// and `watch` for theirs: two writers would delete each other's staging folders. The lock
/// is on a hidden file beside the folder (`.public.gongkai-lock`), released by the operating
/// system when the process ends, however it ends.
pub struct OutputLock {
    file: std::fs::File,
    target: PathBuf,
    /// The lock file, checked by [`OutputLock::held`].
    path: PathBuf,
}

impl OutputLock {
    /// Claims `target`, or says who holds it.
    pub fn acquire(target: &Path) -> Result<OutputLock, String> {
        let parent = target
            .parent()
            .ok_or_else(|| t!("output.cannot_create", path = target.display(), error = "/"))?;
        std::fs::create_dir_all(parent)
            .map_err(|e| t!("output.cannot_create", path = parent.display(), error = e))?;
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().to_string());
        let path = parent.join(format!(".{name}.gongkai-lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| t!("output.cannot_write", path = path.display(), error = e))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(OutputLock {
                file,
                target: target.to_path_buf(),
                path,
            }),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                Err(t!("output.locked", dir = target.display()))
            }
            Err(e) => Err(t!(
                "output.cannot_write",
                path = path.display(),
                error = std::io::Error::from(e)
            )),
        }
    }

    /// The folder claimed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the lock file is still the one locked. A site folder deleted and made again
    /// (a backup restored, a fresh clone) while `serve` runs takes the lock file with it, and
    /// a `build` started then locks a new one: the long-running command must claim the
    /// output again before writing, instead of writing beside that build.
    pub fn held(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (self.file.metadata(), std::fs::symlink_metadata(&self.path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
}

/// A staging folder being filled; [`Staging::commit`] swaps it in, dropping it discards it.
pub struct Staging {
    dir: Option<tempfile::TempDir>,
    target: PathBuf,
    /// Folders already created: creating a file's folder again costs a failing `mkdir` per
    /// file, which dominates on some filesystems.
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Staging {
    /// Starts a staging folder beside `target` (same filesystem, so the swap is a rename).
    /// Leftovers of interrupted builds are removed first.
    pub fn new(target: &Path) -> Result<Staging, String> {
        let parent = target
            .parent()
            .ok_or_else(|| t!("output.cannot_create", path = target.display(), error = "/"))?;
        std::fs::create_dir_all(parent)
            .map_err(|e| t!("output.cannot_create", path = parent.display(), error = e))?;
        if let Ok(rd) = std::fs::read_dir(parent) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if n.starts_with(STAGING_PREFIX) && e.path().join(MARKER).is_file() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(parent)
            .map_err(|e| t!("output.cannot_stage", path = parent.display(), error = e))?;
        std::fs::write(
            dir.path().join(MARKER),
            "This folder is generated by gongkai; it is replaced on every build.\n",
        )
        .map_err(|e| {
            t!(
                "output.cannot_write",
                path = dir.path().display(),
                error = e
            )
        })?;
        Ok(Staging {
            dir: Some(dir),
            target: target.to_path_buf(),
            made: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// Writes `bytes` at `rel` (a `/`-separated path) in the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.prepare(rel)?;
        std::fs::write(&path, bytes)
            .map_err(|e| t!("output.cannot_write", path = path.display(), error = e))
    }

    /// Writes one file from `parts` in order, through one buffer instead of a joined copy.
    pub fn write_parts(&self, rel: &str, parts: &[&[u8]]) -> Result<(), String> {
        use crate::render::Stream as _;
        let mut f = self.file(rel)?;
        for p in parts {
            f.put(p)?;
        }
        Box::new(f).finish()
    }

    /// A file of the staging folder to write piece by piece.
    fn file(&self, rel: &str) -> Result<StagedFile, String> {
        let path = self.prepare(rel)?;
        let file = std::fs::File::create(&path)
            .map_err(|e| t!("output.cannot_write", path = path.display(), error = e))?;
        Ok(StagedFile {
            w: std::io::BufWriter::with_capacity(256 * 1024, file),
            path,
        })
    }

    /// The path of `rel` in the staging folder, its folder created; `rel` may not leave it.
    fn prepare(&self, rel: &str) -> Result<PathBuf, String> {
        if rel.split('/').any(|p| p == ".." || p.is_empty()) || rel.starts_with('/') {
            return Err(t!("output.outside", path = rel));
        }
        let path = self.path().join(rel);
        if let Some(p) = path.parent() {
            let known = self.made.lock().is_ok_and(|m| m.contains(p));
            if !known {
                std::fs::create_dir_all(p)
                    .map_err(|e| t!("output.cannot_create", path = p.display(), error = e))?;
                if let Ok(mut m) = self.made.lock() {
                    m.insert(p.to_path_buf());
                }
            }
        }
        Ok(path)
    }

    /// Swaps the staging folder into place; the previous output is removed afterwards, except
    /// [`ALWAYS_KEPT`] and `keep`, which move into the new output first.
    pub fn commit(mut self, keep: &[String]) -> Result<(), String> {
        let dir = self.dir.take().ok_or_else(|| {
            t!(
                "output.cannot_replace",
                path = self.target.display(),
                error = "-"
            )
        })?;
        let staged = dir.keep();
        let replace_error = |e: std::io::Error| {
            t!(
                "output.cannot_replace",
                path = self.target.display(),
                error = e
            )
        };
        if !self.target.exists() {
            return std::fs::rename(&staged, &self.target).map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                t!(
                    "output.cannot_create",
                    path = self.target.display(),
                    error = e
                )
            });
        }
        let names: Vec<&str> = ALWAYS_KEPT
            .iter()
            .copied()
            .chain(keep.iter().map(String::as_str))
            .collect();
        let kept = carry_over(&self.target, &staged, &names).map_err(replace_error)?;
        if exchange(&staged, &self.target).is_ok() {
            // `staged` now holds the previous output, without what was kept.
            let _ = std::fs::remove_dir_all(&staged);
            return Ok(());
        }
        // No atomic exchange here: move the old one aside, then the new one in.
        let aside = staged.with_extension("old");
        if let Err(e) = std::fs::rename(&self.target, &aside) {
            let _ = carry_over(&staged, &self.target, &kept);
            return Err(replace_error(e));
        }
        if let Err(e) = std::fs::rename(&staged, &self.target) {
            let _ = std::fs::rename(&aside, &self.target);
            let _ = carry_over(&staged, &self.target, &kept);
            return Err(replace_error(e));
        }
        let _ = std::fs::remove_dir_all(&aside);
        Ok(())
    }
}

/// Moves the entries `names` of `from` into `to` (same filesystem: renames); returns those
/// moved. On a failure, what was moved goes back.
fn carry_over<'a>(from: &Path, to: &Path, names: &[&'a str]) -> std::io::Result<Vec<&'a str>> {
    let mut moved = Vec::new();
    for &name in names {
        let src = from.join(name);
        let dst = to.join(name);
        if std::fs::symlink_metadata(&src).is_err() || std::fs::symlink_metadata(&dst).is_ok() {
            continue;
        }
        if let Err(e) = std::fs::rename(&src, &dst) {
            for &back in &moved {
                let _ = std::fs::rename(to.join(back), from.join(back));
            }
            return Err(e);
        }
        moved.push(name);
    }
    Ok(moved)
}

impl crate::render::Sink for Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
        Staging::write(self, rel, bytes)
    }

    fn write_parts(&self, rel: &str, parts: &[&[u8]]) -> Result<(), String> {
        Staging::write_parts(self, rel, parts)
    }

    fn stream<'s>(&'s self, rel: &str) -> Result<Box<dyn crate::render::Stream + 's>, String> {
        Ok(Box::new(self.file(rel)?))
    }
}

/// A file of the staging folder written piece by piece.
struct StagedFile {
    w: std::io::BufWriter<std::fs::File>,
    path: PathBuf,
}

impl crate::render::Stream for StagedFile {
    fn put(&mut self, bytes: &[u8]) -> Result<(), String> {
        std::io::Write::write_all(&mut self.w, bytes)
            .map_err(|e| t!("output.cannot_write", path = self.path.display(), error = e))
    }

    fn finish(mut self: Box<Self>) -> Result<(), String> {
        std::io::Write::flush(&mut self.w)
            .map_err(|e| t!("output.cannot_write", path = self.path.display(), error = e))
    }
}

/// Writes one file atomically, creating its folder: the bytes go to a hidden file beside it
/// (ignored by the watcher), which is then renamed over it, so a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)
            .map_err(|e| t!("output.cannot_create", path = p.display(), error = e))?;
    }
    let tmp = path.with_file_name(format!(
        ".{}.gongkai-tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().to_string())
    ));
    std::fs::write(&tmp, bytes)
        .map_err(|e| t!("output.cannot_write", path = tmp.display(), error = e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        t!("output.cannot_write", path = path.display(), error = e)
    })
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange on this platform"))
}

/// Writes into the live output folder: only files whose bytes change, each atomically
/// (written beside, then renamed over), and records what it wrote.
pub struct LiveSink {
    out: PathBuf,
    written: std::sync::Mutex<Vec<String>>,
}

impl LiveSink {
    pub fn new(out: &Path) -> LiveSink {
        LiveSink {
            out: out.to_path_buf(),
            written: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn written(self) -> Vec<String> {
        let mut v = self.written.into_inner().unwrap_or_default();
        v.sort();
        v
    }
}

impl LiveSink {
    /// Writes `bytes` at `rel` unless they are `old`, the file's bytes as the caller read
    /// them (`None`: absent or unreadable), so a file read anyway is not read twice.
    pub fn replace(&self, rel: &str, old: Option<&[u8]>, bytes: &[u8]) -> Result<(), String> {
        if old == Some(bytes) {
            return Ok(());
        }
        crate::output::write_atomic(&self.path(rel)?, bytes)?;
        if let Ok(mut w) = self.written.lock() {
            w.push(rel.to_string());
        }
        Ok(())
    }

    fn path(&self, rel: &str) -> Result<PathBuf, String> {
        if rel.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(t!("output.outside", path = rel));
        }
        Ok(self.out.join(rel))
    }
}

impl crate::render::Sink for LiveSink {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
        let old = std::fs::read(self.path(rel)?).ok();
        self.replace(rel, old.as_deref(), bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_output_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("content/a")).unwrap();
        assert!(output_dir(root, ".").is_err());
        assert!(output_dir(root, "..").is_err());
        assert!(output_dir(root, "content").is_err());
        assert!(output_dir(root, "content/a/out").is_err());
        // A refusal creates nothing (it used to leave content/newagency/ behind).
        assert!(output_dir(root, "content/newagency/out").is_err());
        assert!(!root.join("content/newagency").exists());
        assert!(output_dir(root, "../x/../y/deep").is_ok());
        assert!(!root.join("../y").exists());
        std::fs::create_dir_all(root.join("mine")).unwrap();
        std::fs::write(root.join("mine/notes.txt"), "x").unwrap();
        let why = crate::i18n::text_in(crate::i18n::Lang::Zh, "output.not_ours", &[]);
        assert!(output_dir(root, "mine").unwrap_err().contains(&why));
        assert!(output_dir(root, "public").is_ok());
        assert_eq!(
            output_dir(root, "a/../public").unwrap(),
            output_dir(root, "public").unwrap()
        );
    }

    #[test]
    fn staging_swaps_in_and_a_dropped_staging_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let s = Staging::new(&target).unwrap();
        s.write("a/index.html", b"one").unwrap();
        s.commit(&[]).unwrap();
        assert_eq!(std::fs::read(target.join("a/index.html")).unwrap(), b"one");
        let s = Staging::new(&target).unwrap();
        s.write("a/index.html", b"two").unwrap();
        drop(s);
        assert_eq!(std::fs::read(target.join("a/index.html")).unwrap(), b"one");
        let s = Staging::new(&target).unwrap();
        s.write("b.html", b"three").unwrap();
        s.commit(&[]).unwrap();
        assert!(!target.join("a/index.html").exists());
        assert_eq!(std::fs::read(target.join("b.html")).unwrap(), b"three");
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "only public/ remains");
        assert!(Staging::new(&target).unwrap().write("../x", b"").is_err());
    }
}
