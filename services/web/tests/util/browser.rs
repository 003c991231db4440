//! A real browser for the end-to-end test: Debian's headless Chromium
//! driven over WebDriver by chromedriver, through fantoccini. Blocking
//! methods (each one bounded in time) so a test reads as the steps a person
//! takes; every page visited is checked not to be a server error.
//!
//! Chromium and chromedriver are looked up as `LARS_CHROMIUM` /
//! `LARS_CHROMEDRIVER`, else `/usr/bin/chromium` and `/usr/bin/chromedriver`
//! (Debian's `chromium` and `chromium-driver`, which
//! `scripts/ensure-chromium.sh` installs). When they are missing the test
//! fails and says how to install them: it never skips.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use lars_testkit::ScratchDir;
use tokio::runtime::Runtime;

/// How long one browser step (a page load, a wait) may take.
pub const STEP: Duration = Duration::from_secs(15);

/// The width of the window, and so of the screenshots.
pub const SHOT_WIDTH: u32 = 1100;

fn program(env: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(env).unwrap_or_else(|_| default.to_string()));
    assert!(
        path.exists(),
        "{} is missing, so the browser tests cannot run. Install Debian's chromium and \
         chromium-driver (scripts/ensure-chromium.sh does, as root: apt-get install -y \
         chromium chromium-driver), or set {env}.",
        path.display()
    );
    path
}

/// chromedriver on a free port, and a headless Chromium session on it.
pub struct Browser {
    rt: Runtime,
    client: Option<Client>,
    driver: Child,
    base: String,
    shots: PathBuf,
    _profile: ScratchDir,
}

impl Browser {
    /// Starts chromedriver and a browser for the console at `base`
    /// (`http://127.0.0.1:PORT`); screenshots go to `shots`, chromedriver's
    /// log to `log_dir`.
    pub fn start(base: &str, shots: &Path, log_dir: &Path) -> Browser {
        let chromium = program("LARS_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("LARS_CHROMEDRIVER", "/usr/bin/chromedriver");
        std::fs::create_dir_all(shots).unwrap();
        let port = lars_testkit::free_tcp_port();
        let log = std::fs::File::create(log_dir.join("chromedriver.log")).unwrap();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let up = lars_testkit::wait_until(STEP, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(
            up,
            "chromedriver does not listen on port {port}; see chromedriver.log"
        );
        let profile = ScratchDir::new("chromium-profile");
        let options = serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,800", "--hide-scrollbars", "--no-first-run",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let client = rt
            .block_on(async {
                let mut builder = ClientBuilder::new(HttpConnector::new());
                builder.capabilities(caps);
                let url = format!("http://127.0.0.1:{port}");
                tokio::time::timeout(STEP, builder.connect(&url)).await
            })
            .expect("a browser session within the step time")
            .expect("chromedriver starts a Chromium session");
        Browser {
            rt,
            client: Some(client),
            driver,
            base: base.trim_end_matches('/').to_string(),
            shots: shots.to_path_buf(),
            _profile: profile,
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open")
    }

    fn run<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    ) -> T {
        match self
            .rt
            .block_on(async { tokio::time::timeout(STEP, f).await })
        {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("browser: {what}: {e}"),
            Err(_) => panic!("browser: {what}: no result within {STEP:?}"),
        }
    }

    /// Opens `path` of the console and checks the page.
    pub fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.run(&format!("open {url}"), self.client().goto(&url));
        self.check_page();
    }

    /// The page's HTML.
    pub fn source(&self) -> String {
        self.run("read the page", self.client().source())
    }

    /// The current path (and query).
    pub fn path(&self) -> String {
        let url = self.run("read the URL", self.client().current_url());
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Fails the test when the page is a server error: one of the
    /// console's error pages with a 5xx status, or the browser's own page
    /// for a connection that failed.
    pub fn check_page(&self) {
        let html = self.source();
        let title = self.run("read the title", self.client().title());
        assert!(
            !html.contains(r#"data-status="5"#) && !title.starts_with("Error 5"),
            "the console answered {} with a server error: {title}\n{html}",
            self.path()
        );
        assert!(
            !html.contains("neterror") && !html.contains("ERR_"),
            "the browser could not load {}:\n{html}",
            self.path()
        );
    }

    /// Types `text` into the field `css` (emptied first).
    pub fn fill(&self, css: &str, text: &str) {
        let field = self.run(
            &format!("find {css}"),
            self.client().find(Locator::Css(css)),
        );
        self.run(&format!("clear {css}"), field.clear());
        self.run(&format!("type into {css}"), field.send_keys(text));
    }

    /// Clicks `css`.
    pub fn click(&self, css: &str) {
        let element = self.run(
            &format!("find {css}"),
            self.client().find(Locator::Css(css)),
        );
        self.run(&format!("click {css}"), element.click());
    }

    /// Waits until `css` is on the page; checks the page.
    pub fn wait_for(&self, css: &str) {
        self.wait_until(css, |n| n > 0);
    }

    /// Waits until `css` is not on the page; checks the page.
    pub fn wait_gone(&self, css: &str) {
        self.wait_until(css, |n| n == 0);
    }

    fn wait_until(&self, css: &str, done: impl Fn(usize) -> bool) {
        let t0 = Instant::now();
        loop {
            let found = self.run(
                &format!("find {css}"),
                self.client().find_all(Locator::Css(css)),
            );
            if done(found.len()) {
                self.check_page();
                return;
            }
            assert!(
                t0.elapsed() < STEP,
                "waited {STEP:?} on {css} at {}:\n{}",
                self.path(),
                self.source()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of the first `css`.
    pub fn text(&self, css: &str) -> String {
        let element = self.run(
            &format!("find {css}"),
            self.client().find(Locator::Css(css)),
        );
        self.run(&format!("read {css}"), element.text())
    }

    /// Saves a PNG of the whole page (the window grown to its height) as
    /// `NAME.png` among the screenshots.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let script = "return [Math.ceil(document.body.getBoundingClientRect().height), window.outerHeight - window.innerHeight];";
        let size = self.run("measure the page", self.client().execute(script, vec![]));
        let number = |i: usize| size[i].as_u64().unwrap_or(0) as u32;
        let height = (number(0) + number(1) + 16).clamp(400, 2400);
        self.run(
            "fit the window",
            self.client().set_window_size(SHOT_WIDTH, height),
        );
        let png = self.run("take a screenshot", self.client().screenshot());
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is a PNG"
        );
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let close =
                async { tokio::time::timeout(Duration::from_secs(5), client.close()).await };
            let _ = self.rt.block_on(close);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
