//! The dev console (`/console`): its sign-in, its plain-HTML forms (no JavaScript), and, in
//! headless Chromium over `WebDriver`, the form, external lists, fire, snippet previews and the
//! inbox's retry. The browser test needs Debian's `chromium` and `chromium-driver`; without
//! them it skips visibly (and fails under `SHOPORAMA_REQUIRE_ALL=1`).
//!
//! With `SHOPORAMA_CONSOLE_SCREENSHOTS=<dir>` the browser test also saves a PNG of each page
//! there (what `docs/console-*.png` are).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use shoporama_app::console::{Console, ConsoleOptions};
use shoporama_app::effects::{EffectFailure, EffectsConfig};
use shoporama_app::inbox::{Delivery, InboxConfig, JobState};
use shoporama_app::prelude::*;
use shoporama_app::testing::skip::skip;
use shoporama_app::{AppRuntime, Config};

const APP_TOKEN: &str = "console-test-app-token-0123456789";

/// How much the pixel may track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum Consent {
    /// Anonymous only.
    Basic,
    /// Everything after consent.
    #[option(label = "Full (after consent)")]
    Full,
}

/// Every field kind, an external list, a snippet on every page and one on /thanks.
#[shoporama_app(
    name = "Console test app",
    description = "Used by the console's tests.",
    access = read,
    events(add_to_basket, paid),
    webhooks(order_created, paid),
    snippet(place = after_body_open, pages(all), source = "<div id=\"banner\" style=\"color: {{ app.accent.css() }}\">Hello from {{ app.measurement_id.html() }}</div>"),
    snippet(place = before_body_close, pages(thanks), source = "<p id=\"thanks-note\">Order {{ order.order_id() }} tracked for {{ app.cookie_days }} days</p>"),
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The measurement id, e.g. `G-ABC123`.
    #[field(label = "Measurement ID", default = "G-START")]
    pub measurement_id: String,
    /// How many days the cookie lives.
    #[field(default = 30)]
    pub cookie_days: u32,
    /// Turn tracking off without uninstalling.
    #[field(default = true)]
    pub enabled: bool,
    /// What may be tracked before consent.
    #[field(default = "basic")]
    pub consent: Consent,
    /// The warehouse (served by the app).
    #[field(list = external("warehouses"))]
    pub warehouse: Option<String>,
    /// The banner colour.
    #[field(default = "#1a73e8")]
    pub accent: Color,
    /// Shown above the banner.
    pub intro: Option<RichText>,
    /// Extra JavaScript.
    pub extra: Option<Code>,
}

/// Records a conversion per paid order (a keyed effect); fails `add_to_basket` while
/// `failing` is set.
#[derive(Clone, Default)]
struct TestApp {
    failing: Arc<AtomicBool>,
}

impl ShoporamaApp for TestApp {
    type Settings = Settings;

    async fn on_event(&self, shop: &Shop<Settings>, event: SettingsEvent) -> Result<(), AppError> {
        match event {
            SettingsEvent::Paid(order) => {
                let order_id = order.order_id.unwrap_or_default();
                let measurement = shop.settings().measurement_id.clone();
                tracing::info!(order_id, "recording the conversion");
                shop.once("conversion", order_id, |_| async move {
                    Ok::<_, EffectFailure>(format!("reported to {measurement}"))
                })
                .await
                .map_err(AppError::msg)?;
                Ok(())
            }
            SettingsEvent::PaidWebhook(order) => {
                let order_id = order.order_id.unwrap_or_default();
                tracing::info!(order_id, "the paid webhook, apart from the event");
                Ok(())
            }
            SettingsEvent::AddToBasket(_) if self.failing.load(Ordering::SeqCst) => {
                Err(AppError::msg("the warehouse is offline"))
            }
            _ => Ok(()),
        }
    }

    async fn external_list(
        &self,
        name: &str,
        _shop: Option<&Shop<Settings>>,
    ) -> Result<Vec<(String, String)>, AppError> {
        match name {
            "warehouses" => Ok(vec![
                ("main".to_owned(), "Main warehouse (Aarhus)".to_owned()),
                ("cph".to_owned(), "Copenhagen store".to_owned()),
            ]),
            other => Err(AppError::not_found(format!("no list `{other}`"))),
        }
    }
}

struct Served {
    runtime: AppRuntime<TestApp>,
    app: TestApp,
    console: Console<TestApp>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Served {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut inbox = InboxConfig::inline().route("add_to_basket", Delivery::Inbox);
        // A failing job is retried once, 4 s later, then dead-lettered; the leases fit the
        // inbox's (short) retry horizon several times over, as the config requires.
        inbox.max_attempts = 2;
        inbox.backoff = Duration::from_secs(4);
        inbox.backoff_max = Duration::from_secs(4);
        inbox.lease = Duration::from_secs(1);
        inbox.poll_interval = Duration::from_millis(50);
        let config = Config::builder()
            .app_token(APP_TOKEN)
            .database_url(format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("console.db").display()
            ))
            .inbox(inbox)
            .effects(EffectsConfig::default().with_lease(Duration::from_millis(400)))
            .build()
            .expect("config");
        let app = TestApp::default();
        let runtime = AppRuntime::connect(app.clone(), config)
            .await
            .expect("runtime");
        let console = Console::new(runtime.clone(), ConsoleOptions::local());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(shoporama_app::server::serve_router_on(
            runtime.clone(),
            console.merged_router(),
            listener,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            runtime,
            app,
            console,
            addr,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The stored installation of shop `webshop_id`, which must exist.
    async fn installation(&self, webshop_id: u64) -> shoporama_app::store::Installation {
        self.runtime
            .store()
            .installation(webshop_id)
            .await
            .expect("the install store")
            .unwrap_or_else(|| panic!("shop {webshop_id} is installed"))
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server");
        }
    }
}

/// A browser without JavaScript: plain requests that carry the session cookie once it is
/// set, and do not follow redirects (to see them).
struct Plain {
    client: reqwest::Client,
    cookie: std::sync::Mutex<Option<String>>,
}

fn http() -> Plain {
    Plain {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        cookie: std::sync::Mutex::new(None),
    }
}

impl Plain {
    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self.cookie.lock().unwrap().clone();
        let request = match cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("the console answers");
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            *self.cookie.lock().unwrap() = Some(pair);
        }
        response
    }

    async fn get(&self, url: &str) -> reqwest::Response {
        self.send(self.client.get(url)).await
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(form).expect("a form");
        self.send(
            self.client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// `GET url`: its status and page.
    async fn get_page(&self, url: &str) -> (u16, String) {
        text(self.get(url).await).await
    }

    /// `POST url` with `form`: its status and page.
    async fn post_page(&self, url: &str, form: &[(&str, &str)]) -> (u16, String) {
        text(self.post(url, form).await).await
    }
}

async fn sign_in(served: &Served, client: &Plain) {
    let login = served.console.login_url(served.addr);
    let response = client.get(&login).await;
    assert_eq!(response.status(), 303, "the one-time URL signs in");
}

/// Fires `kind` with `body` at shop 7 through the console's form: its status and page.
async fn fire(client: &Plain, served: &Served, kind: &str, body: &str) -> (u16, String) {
    let form = [("webshop_id", "7"), ("kind", kind), ("body", body)];
    client.post_page(&served.url("/console/fire"), &form).await
}

async fn text(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn the_console_needs_a_session_and_the_one_time_url_works_once() {
    let served = Served::start().await;
    let client = http();
    let (status, page) = client.get_page(&served.url("/console")).await;
    assert_eq!(status, 401);
    assert!(page.contains("Sign in to the dev console"), "{page}");

    let login = served.console.login_url(served.addr);
    assert!(
        !login.contains(APP_TOKEN),
        "the one-time URL carries its own key"
    );
    assert!(!format!("{:?}", served.console).contains(login.split("key=").nth(1).unwrap()));
    let response = client.get(&login).await;
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let (status, page) = client.get_page(&served.url("/console")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Install a test shop"));

    // Used up: a second browser cannot use the link again.
    let other = http();
    let (status, page) = other.get_page(&login).await;
    assert_eq!(status, 401);
    assert!(page.contains("was used already"), "{page}");
    // A wrong app token is refused; the right one signs in.
    let (status, _) = other
        .post_page(&served.url("/console/login"), &[("app_token", "wrong")])
        .await;
    assert_eq!(status, 401);
    let response = other
        .post(&served.url("/console/login"), &[("app_token", APP_TOKEN)])
        .await;
    assert_eq!(response.status(), 303);
    let (status, _) = other.get_page(&served.url("/console/inbox")).await;
    assert_eq!(status, 200);
    // A made-up session cookie is not a session.
    let forged = reqwest::Client::new()
        .get(served.url("/console"))
        .header(
            "cookie",
            "shoporama_console=00000000000000000000000000000000",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    served.stop().await;
}

#[tokio::test]
async fn form_save_and_fire_work_without_javascript() {
    let served = Served::start().await;
    let client = http();
    sign_in(&served, &client).await;

    let (status, page) = client
        .post_page(&served.url("/console/install"), &[("webshop_id", "7")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Installed test shop 7"), "{page}");
    let (status, page) = client
        .post_page(&served.url("/console/install"), &[("webshop_id", "seven")])
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("`seven` is not a webshop id"), "{page}");

    // The form shows every kind, with the stored values and the external list's options.
    let (status, page) = client
        .get_page(&served.url("/console/form?webshop_id=7"))
        .await;
    assert_eq!(status, 200);
    for needle in [
        "type=\"color\"",
        "type=\"checkbox\"",
        "class=\"richtext\"",
        "class=\"code\"",
        "Main warehouse (Aarhus)",
        "Full (after consent)",
        "value=\"G-START\"",
        "How many days the cookie lives.",
    ] {
        assert!(
            page.contains(needle),
            "{needle} missing from the form: {page}"
        );
    }
    assert!(
        !page.contains(APP_TOKEN),
        "the app token is never in a page"
    );

    // Saving is a real update: the store has the new values.
    let (status, page) = client
        .post_page(
            &served.url("/console/form"),
            &[
                ("webshop_id", "7"),
                ("field.measurement_id", "G-NOJS"),
                ("field.cookie_days", "12"),
                ("field.consent", "full"),
                ("field.warehouse", "cph"),
                ("field.accent", "#00ff00"),
                ("field.intro", "<b>Hej</b>"),
                ("field.extra", "console.log(1)"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Saved: the update callback was handled."),
        "{page}"
    );
    let installation = served.installation(7).await;
    assert_eq!(installation.fields["measurement_id"], "G-NOJS");
    assert_eq!(installation.fields["cookie_days"], "12");
    assert_eq!(
        installation.fields["enabled"], "0",
        "an unchecked box is sent as 0"
    );
    assert_eq!(installation.fields["warehouse"], "cph");
    let shop = served.runtime.resolve_shop(7).await.unwrap();
    assert!(!shop.settings().enabled);
    assert_eq!(shop.settings().cookie_days, 12);

    // Fire: the handler's effect and log line show.
    let body = serde_json::to_string(&shoporama_app::testing::sample_body("paid", 7)).unwrap();
    let (status, page) = fire(&client, &served, "paid", &body).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("dispatched"), "{page}");
    assert!(
        page.contains("recording the conversion"),
        "the handler's log line: {page}"
    );
    assert!(page.contains("reported to G-NOJS"), "the effect: {page}");
    assert!(
        page.contains("Sent as the `paid` storefront event"),
        "paid is subscribed both ways: {page}"
    );
    // The same name as a webhook: its own choice, its sample marked, its own variant.
    let (status, page) = client
        .get_page(&served.url("/console/fire?webshop_id=7&kind=webhook:paid"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<option value=\"webhook:paid\" selected>paid (webhook)</option>"),
        "{page}"
    );
    assert!(
        page.contains("&#34;webhook&#34;: &#34;paid&#34;"),
        "the sample is marked: {page}"
    );
    let body =
        serde_json::to_string(&shoporama_app::testing::sample_webhook_body("paid", 7)).unwrap();
    let (status, page) = fire(&client, &served, "webhook:paid", &body).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Sent as the `paid` webhook"), "{page}");
    assert!(
        page.contains("the paid webhook, apart from the event"),
        "the webhook variant's handler ran: {page}"
    );
    // A body that is not JSON is an error beside the body.
    let (status, page) = fire(&client, &served, "paid", "{oops").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("id=\"fire-body-error\">the body is not JSON"),
        "{page}"
    );
    let (status, page) = fire(&client, &served, "stock", "{}").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("`stock` is not an event or webhook this app subscribes to"),
        "{page}"
    );
    served.stop().await;
}

// --- The browser --------------------------------------------------------------------------

/// `chromedriver` on this machine (`CHROMEDRIVER` names another), if any.
fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|path| path.is_file())
    })
}

/// A chromedriver process, killed when dropped.
struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(path: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]
        }),
    );
    ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("SHOPORAMA_CONSOLE_SCREENSHOTS") else {
        return;
    };
    let png = client.screenshot().await.expect("screenshot");
    let path = Path::new(&dir).join(format!("console-{name}.png"));
    std::fs::write(&path, png).expect("write the screenshot");
}

/// Waits up to 10 s for the element at `css` to exist and contain `needle`.
async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} did not contain {needle:?} within 10 s (last: {last:?})");
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Opens the console's `path` in the browser.
async fn open(client: &Client, served: &Served, path: &str) {
    client
        .goto(&served.url(path))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// The element with the id `id`.
async fn by_id(client: &Client, id: &str) -> Element {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
}

/// Clicks the element with the id `id`.
async fn click(client: &Client, id: &str) {
    by_id(client, id)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking #{id}: {e}"));
}

/// Empties the input with the id `id` and types `keys` into it.
async fn type_into(client: &Client, id: &str, keys: &str) {
    let input = by_id(client, id).await;
    input.clear().await.unwrap();
    input.send_keys(keys).await.unwrap();
}

/// The current page's HTML.
async fn source(client: &Client) -> String {
    client.source().await.expect("the page source")
}

/// Inputs, selects and textareas without a label (by `for`, wrapping or `aria-label`).
const UNLABELLED: &str = r"
return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML);
";

async fn assert_all_labelled(client: &Client, page: &str) {
    let unlabelled = client.execute(UNLABELLED, vec![]).await.expect("script");
    assert_eq!(
        unlabelled,
        serde_json::json!([]),
        "inputs without a label on {page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_headless_chromium() {
    let test = "the_console_in_headless_chromium";
    let Some(path) = chromedriver() else {
        skip(
            test,
            "chromedriver is not installed (apt-get install chromium chromium-driver; or set CHROMEDRIVER)",
        );
        return;
    };
    let served = Served::start().await;
    let driver = start_driver(&path).await;
    let client = browser(&driver).await;
    let result = tokio::time::timeout(Duration::from_mins(2), drive(&client, &served)).await;
    let _ = client.close().await;
    drop(driver);
    served.stop().await;
    result.expect("the browser steps finished within 2 minutes");
}

async fn drive(client: &Client, served: &Served) {
    // Sign in with the one-time URL, install a shop with one click.
    client
        .goto(&served.console.login_url(served.addr))
        .await
        .unwrap();
    assert!(source(client).await.contains("Install a test shop"));
    assert_all_labelled(client, "shops").await;
    click(client, "install").await;
    wait_text(client, "#notice", "Installed test shop 1").await;
    assert!(
        text_of(client, "#shops")
            .await
            .contains("shop-1.example.dk")
    );

    // The form: an external list loads its options from the app's endpoint.
    open(client, served, "/console/form?webshop_id=1").await;
    assert_all_labelled(client, "form").await;
    let warehouse = by_id(client, "f-warehouse").await;
    let options = warehouse.find_all(Locator::Css("option")).await.unwrap();
    let mut labels = Vec::new();
    for option in &options {
        labels.push(option.text().await.unwrap());
    }
    assert_eq!(
        labels,
        ["(none)", "Main warehouse (Aarhus)", "Copenhagen store"]
    );
    // The script's reload fetches them again, live.
    let reload = client
        .find(Locator::Css("button.reload-list"))
        .await
        .unwrap();
    reload.click().await.unwrap();
    wait_text(client, "button.reload-list", "2 loaded").await;
    screenshot(client, "form").await;

    // Fill and save, with the keyboard: the store holds the update.
    type_into(client, "f-measurement_id", "G-BROWSER").await;
    warehouse.select_by_value("main").await.unwrap();
    type_into(client, "f-cookie_days", "45\u{E007}").await; // Enter submits the form
    wait_text(client, "#notice", "Saved").await;
    assert_eq!(text_of(client, "#answer-status").await, "200");
    let installation = served.installation(1).await;
    assert_eq!(installation.fields["measurement_id"], "G-BROWSER");
    assert_eq!(installation.fields["cookie_days"], "45");
    assert_eq!(installation.fields["warehouse"], "main");
    assert!(installation.settings_status.is_configured());

    // A bad integer: the field's error shows beside it.
    type_into(client, "f-cookie_days", "lots").await;
    click(client, "save").await;
    wait_text(client, "#error-cookie_days", "lots").await;
    assert_eq!(
        by_id(client, "f-cookie_days")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    assert!(
        client
            .find(Locator::Id("error-measurement_id"))
            .await
            .is_err(),
        "only the bad field has an error"
    );
    screenshot(client, "form-error").await;
    // Fix it again for the snippets.
    type_into(client, "f-cookie_days", "45").await;
    click(client, "save").await;
    wait_text(client, "#notice", "Saved").await;

    // Fire an event: the handler's effect shows.
    open(client, served, "/console/fire?webshop_id=1&kind=paid").await;
    assert_all_labelled(client, "fire").await;
    let body = by_id(client, "fire-body").await;
    let sample = body.prop("value").await.unwrap().unwrap_or_default();
    assert!(sample.contains("\"order_id\": 100234"), "{sample}");
    click(client, "fire").await;
    wait_text(client, "#answer-status", "200").await;
    let effects = text_of(client, "#effects").await;
    assert!(
        effects.contains("conversion") && effects.contains("reported to G-BROWSER"),
        "{effects}"
    );
    assert!(
        text_of(client, "#answer-logs")
            .await
            .contains("recording the conversion")
    );
    client
        .execute(
            "document.getElementById('answer').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(client, "fire").await;

    // The preview iframe holds the rendered snippet.
    open(client, served, "/console/snippets?webshop_id=1").await;
    let engine = text_of(client, "#engine").await;
    assert!(engine.contains("Rendered with:"), "{engine}");
    let iframe = by_id(client, "preview-thanks").await;
    assert_eq!(iframe.attr("sandbox").await.unwrap().as_deref(), Some(""));
    iframe.enter_frame().await.unwrap();
    assert_eq!(text_of(client, "#banner").await, "Hello from G-BROWSER");
    assert_eq!(
        text_of(client, "#thanks-note").await,
        "Order 1001 tracked for 45 days"
    );
    client.enter_parent_frame().await.unwrap();
    assert!(
        source(client).await.contains("app_vars.measurement_id"),
        "the Smarty source shows"
    );
    screenshot(client, "snippets").await;

    // A dead letter can be retried.
    served.app.failing.store(true, Ordering::SeqCst);
    open(
        client,
        served,
        "/console/fire?webshop_id=1&kind=add_to_basket",
    )
    .await;
    click(client, "fire").await;
    wait_text(client, "#answer-body", "queued").await;
    let inbox = served.runtime.inbox().expect("an inbox");
    let dead = wait_for_state(inbox, JobState::Dead).await;
    served.app.failing.store(false, Ordering::SeqCst);
    open(client, served, "/console/inbox").await;
    let row = text_of(client, &format!("#job-{}", dead.id)).await;
    assert!(
        row.contains("dead") && row.contains("the warehouse is offline"),
        "{row}"
    );
    screenshot(client, "inbox").await;
    click(client, &format!("retry-job-{}", dead.id)).await;
    wait_text(client, "#notice", &format!("Job {} queued", dead.id)).await;
    let done = wait_for_job(inbox, dead.id, JobState::Done).await;
    assert_eq!(done.state, JobState::Done);

    // The chart counts the inbox's callbacks.
    open(client, served, "/console").await;
    let chart = text_of(client, "#chart title").await;
    assert!(chart.contains("1 received, 1 failed"), "{chart}");
    screenshot(client, "shops").await;
}

async fn wait_for_state(
    inbox: &shoporama_app::inbox::Inbox,
    state: JobState,
) -> shoporama_app::inbox::Job {
    for _ in 0..400 {
        if let Some(job) = inbox
            .list(Some(state), None, 10)
            .await
            .unwrap()
            .into_iter()
            .next()
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {state} job within 20 s");
}

async fn wait_for_job(
    inbox: &shoporama_app::inbox::Inbox,
    id: i64,
    state: JobState,
) -> shoporama_app::inbox::Job {
    for _ in 0..200 {
        let job = inbox.job(id).await.unwrap().expect("the job");
        if job.state == state {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} was not {state} within 10 s");
}

// --- The command line ---------------------------------------------------------------------

/// The notes app binary with `args`, its stderr read line by line, killed when dropped.
struct AppProcess {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_app(args: &[&str], database_url: &str, token: Option<&str>) -> AppProcess {
    use std::io::BufRead as _;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_notes-app"));
    command
        .args(args)
        .env_remove("SHOPORAMA_APP_TOKEN")
        .env_remove("NOTES_FAIL_START")
        .env_remove("NOTES_BAD_MIGRATION")
        .env("DATABASE_URL", database_url)
        .env("SHOPORAMA_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(token) = token {
        command.env("SHOPORAMA_APP_TOKEN", token);
    }
    let mut child = command.spawn().expect("the notes app starts");
    let stderr = child.stderr.take().expect("stderr");
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    AppProcess { child, lines }
}

impl AppProcess {
    /// The first stderr line containing `needle`, and every line before it.
    fn line_with(&self, needle: &str) -> (String, Vec<String>) {
        let mut seen = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(30)) {
            if line.contains(needle) {
                return (line, seen);
            }
            seen.push(line);
        }
        panic!("no line with {needle:?} within 30 s; saw: {seen:#?}");
    }
}

/// `<app> dev` prints a one-time URL that signs in, and never the app token; `serve` alone
/// has no console, `serve --console` has one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_and_serve_console_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("dev.db").display());

    let dev = spawn_app(&["dev"], &url, Some(APP_TOKEN));
    let (line, before) = dev.line_with("dev console: open ");
    let login = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("a URL")
        .to_owned();
    assert!(login.starts_with("http://127.0.0.1:"), "{login}");
    assert!(
        !before.iter().chain([&line]).any(|l| l.contains(APP_TOKEN)),
        "the app token is never printed"
    );
    let client = http();
    let response = client.get(&login).await;
    assert_eq!(response.status(), 303);
    let base = login.split("/console/").next().unwrap().to_owned();
    let (status, page) = client.get_page(&format!("{base}/console")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Install a test shop"));
    drop(dev);

    // Without SHOPORAMA_APP_TOKEN, `dev` makes one up for the run and says so.
    let dev = spawn_app(&["dev"], &url, None);
    let (_, before) = dev.line_with("dev console: open ");
    assert!(
        before.iter().any(|l| l.contains("random app token")),
        "{before:#?}"
    );
    drop(dev);

    let serve = spawn_app(&["serve"], &url, Some(APP_TOKEN));
    let (line, _) = serve.line_with("serving Shoporama callbacks");
    let address = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("address="))
        .expect("the address in the log line")
        .to_owned();
    let (status, _) = http().get_page(&format!("http://{address}/console")).await;
    assert_eq!(status, 404, "a plain serve has no console");
    drop(serve);

    let serve = spawn_app(&["serve", "--console"], &url, Some(APP_TOKEN));
    let (line, _) = serve.line_with("dev console: open ");
    assert!(line.contains("/console/login?key="), "{line}");
}

/// A failed keyed effect is listed on the inbox page with its error, and its retry button
/// lets the next call run it again.
#[tokio::test]
async fn failed_effects_are_listed_and_retried_without_javascript() {
    let served = Served::start().await;
    let client = http();
    sign_in(&served, &client).await;
    let effects = served.runtime.effects();
    let failed: Result<String, _> = effects
        .once(7, "invoice", 42, |_| async {
            Err::<String, _>(EffectFailure::permanent("the ledger refused it"))
        })
        .await;
    assert!(failed.is_err());

    let (status, page) = client.get_page(&served.url("/console/inbox")).await;
    assert_eq!(status, 200);
    assert!(page.contains("the ledger refused it"), "{page}");
    assert!(page.contains("Retry invoice 42"), "{page}");

    let retry = served.url("/console/effects/retry");
    let invoice_42 = [("webshop_id", "7"), ("name", "invoice"), ("key", "42")];
    let (status, page) = client.post_page(&retry, &invoice_42).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("1 effect(s) will run again"), "{page}");
    assert!(page.contains("runs again on the next call"), "{page}");
    assert!(!page.contains("Retry invoice 42"), "{page}");
    let ran: String = effects
        .once(7, "invoice", 42, |_| async {
            Ok::<_, EffectFailure>("booked".to_owned())
        })
        .await
        .expect("the retried effect runs");
    assert_eq!(ran, "booked");

    // Nothing left to retry, and a form without a key, are errors on the page.
    let (status, page) = client.post_page(&retry, &invoice_42).await;
    assert_eq!(status, 409);
    assert!(page.contains("nothing to retry"), "{page}");
    let (status, page) = client
        .post_page(&retry, &[("webshop_id", "7"), ("name", "invoice")])
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("the retry form names no key"), "{page}");
    served.stop().await;
}
