//! Building and running C and C++ programs over liblars from a test:
//! [`liblars`] brings `liblars.a` up to date, [`compile`] calls gcc or g++,
//! [`run`] runs a program with a deadline and returns what it printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lars_testkit::ScratchDir;

/// The workspace's root directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory holding an up-to-date `liblars.a` (the profile's target
/// directory: `cargo test` builds this crate's library only as an rlib, so
/// the static library is built here once per test process).
pub fn liblars() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let profile_dir = lars_e2e::bin_dir();
        let target_dir = profile_dir.parent().expect("target dir");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "-q", "-p", "lars-capi", "--lib", "--target-dir"])
            .arg(target_dir)
            .current_dir(root());
        if profile_dir.ends_with("release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo build -p lars-capi");
        assert!(status.success(), "cargo build -p lars-capi --lib failed");
        let lib = profile_dir.join("liblars.a");
        assert!(lib.exists(), "{} was not built", lib.display());
        profile_dir
    })
}

/// A C or C++ compiler.
#[derive(Clone, Copy)]
pub enum Lang {
    /// gcc, C11.
    C,
    /// g++, C++11.
    Cpp,
}

/// Compiles `source` (relative to the workspace root) into `dir/name`,
/// statically linked with liblars; warnings are errors when `strict`.
pub fn compile(lang: Lang, source: &str, dir: &ScratchDir, name: &str, strict: bool) -> PathBuf {
    compile_with(lang, source, dir, name, strict, false)
}

/// Like [`compile`], linked with `liblars.so` instead (`-llars`): the
/// program needs the library's directory on `LD_LIBRARY_PATH`.
pub fn compile_shared(lang: Lang, source: &str, dir: &ScratchDir, name: &str) -> PathBuf {
    compile_with(lang, source, dir, name, true, true)
}

fn compile_with(
    lang: Lang,
    source: &str,
    dir: &ScratchDir,
    name: &str,
    strict: bool,
    shared: bool,
) -> PathBuf {
    let root = root();
    let out = dir.join(name);
    let mut cc = match lang {
        Lang::C => {
            let mut cc = Command::new("gcc");
            cc.args(["-std=c11", "-D_POSIX_C_SOURCE=200809L"]);
            cc
        }
        Lang::Cpp => {
            let mut cc = Command::new("g++");
            cc.arg("-std=c++11");
            cc
        }
    };
    cc.args(["-O1", "-g", "-Wall", "-Wextra"]);
    if strict {
        cc.arg("-Werror");
    }
    cc.arg("-I")
        .arg(root.join("api/capi/include"))
        .arg("-I")
        .arg(root.join("api/cpp"))
        .arg("-o")
        .arg(&out)
        .arg(root.join(source));
    if shared {
        cc.arg("-L").arg(liblars()).arg("-llars");
    } else {
        cc.arg(liblars().join("liblars.a"))
            .args(["-lpthread", "-ldl", "-lm"]);
    }
    let output = cc
        .output()
        .expect("run the compiler (gcc/g++ must be installed)");
    assert!(
        output.status.success(),
        "compiling {source} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Runs `program ARGS` with `env`, killing it after `limit`; its exit
/// status and its stdout + stderr.
pub fn run(
    program: &Path,
    args: &[&str],
    env: &[(&str, String)],
    limit: Duration,
) -> (bool, String) {
    let log_path = program.with_extension("log");
    let log = std::fs::File::create(&log_path).expect("create a log file");
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the program") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let Some(status) = status else {
        panic!(
            "{} {args:?} still ran after {limit:?}; killed. Output:\n{text}",
            program.display()
        );
    };
    (status.success(), text)
}

/// Like [`run`], asserting the program exits 0.
pub fn run_ok(program: &Path, args: &[&str], env: &[(&str, String)]) -> String {
    let (ok, text) = run(program, args, env, Duration::from_secs(60));
    assert!(ok, "{} {args:?} failed:\n{text}", program.display());
    text
}
