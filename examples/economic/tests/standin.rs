//! The stand-in's wire behaviour, checked with plain HTTP: e-conomic's shapes, not the client's.

use std::time::Duration;

use economic::standin::StandIn;
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Raw {
    http: reqwest::Client,
    base: String,
    secret: String,
    grant: String,
}

impl Raw {
    fn new(stand_in: &StandIn) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: stand_in.base_url().to_owned(),
            secret: stand_in.config().app_secret_token.clone(),
            grant: stand_in.config().agreement_grant_token.clone(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-AppSecretToken", &self.secret)
            .header("X-AgreementGrantToken", &self.grant)
            .header("Content-Type", "application/json")
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("answer");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    async fn post(
        &self,
        path: &str,
        body: &Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .body(body.to_string())
            .send()
            .await
            .expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.json().await.expect("JSON body"))
    }
}

fn draft_body(customer: u32) -> Value {
    json!({
        "currency": "DKK", "customer": {"customerNumber": customer}, "date": "2024-02-13",
        "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": "John Doe", "vatZone": {"vatZoneNumber": 1}},
        "references": {"other": "shop-1"},
        "lines": [{"description": "T-shirt - Size L", "product": {"productNumber": "1"}, "quantity": 1, "unitNetPrice": 500}]
    })
}

fn assert_generic_error(body: &Value, status: u16) {
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| !message.is_empty()),
        "{body}"
    );
    assert!(body["developerHint"].is_string(), "{body}");
    assert!(body["logId"].is_string(), "{body}");
    assert!(body["logTime"].is_string(), "{body}");
    assert_eq!(body["httpStatusCode"], status, "{body}");
}

/// `GET url` with `headers`.
async fn get_with(
    http: &reqwest::Client,
    url: String,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let request = headers
        .iter()
        .fold(http.get(url), |request, &(name, value)| {
            request.header(name, value)
        });
    request.send().await.expect("answer")
}

#[tokio::test]
async fn auth_headers_are_required() {
    let stand_in = StandIn::start().await.expect("starts");
    let base = stand_in.base_url();
    let http = reqwest::Client::new();

    let secret = ("X-AppSecretToken", "standin-app-secret");
    let revoked = ("X-AgreementGrantToken", "revoked");
    // No tokens, only the app's, a revoked grant.
    for headers in [&[][..], &[secret], &[secret, revoked]] {
        let refused = get_with(&http, format!("{base}/self"), headers).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_generic_error(&refused.json().await.expect("JSON"), 401);
    }

    let demo_query = get_with(&http, format!("{base}/vat-zones?demo=true"), &[]).await;
    assert_eq!(demo_query.status(), StatusCode::OK);

    let demo_write = http
        .post(format!("{base}/customers"))
        .header("X-AppSecretToken", "demo")
        .header("X-AgreementGrantToken", "demo")
        .header("Content-Type", "application/json")
        .body(r#"{"name":"x"}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(demo_write.status(), StatusCode::FORBIDDEN);
    assert_generic_error(&demo_write.json().await.expect("JSON"), 403);
}

#[tokio::test]
async fn creates_answer_201_with_location_and_the_resource() {
    let stand_in = StandIn::start().await.expect("starts");
    let raw = Raw::new(&stand_in);
    let (status, headers, customer) = raw
        .post("/customers", &json!({"name":"John Doe","customerGroup":{"customerGroupNumber":1},"currency":"DKK","vatZone":{"vatZoneNumber":1},"paymentTerms":{"paymentTermsNumber":1}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let location = headers
        .get("location")
        .and_then(|value| value.to_str().ok())
        .expect("Location");
    assert_eq!(location, format!("{}/customers/1", stand_in.base_url()));
    assert_eq!(customer["self"], location);
    assert_eq!(customer["customerNumber"], 1);
    assert_eq!(
        customer["customerGroup"]["self"],
        format!("{}/customer-groups/1", stand_in.base_url())
    );

    let (status, headers, draft) = raw.post("/invoices/drafts", &draft_body(1)).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(
        headers
            .get("location")
            .and_then(|value| value.to_str().ok()),
        draft["self"].as_str()
    );
    assert_eq!(draft["draftInvoiceNumber"], 1);
    assert_eq!(draft["lines"][0]["lineNumber"], 1);
    assert_eq!(draft["lines"][0]["totalNetAmount"], 500.0);
    assert_eq!(draft["netAmount"], 500.0);
    assert_eq!(draft["vatAmount"], 125.0);
    assert_eq!(draft["grossAmount"], 625.0);
    assert_eq!(draft["dueDate"], "2024-02-21");
    assert_eq!(draft["exchangeRate"], 100.0);
    assert_eq!(draft["recipient"]["vatZone"]["name"], "Domestic");
    assert_eq!(draft["paymentTerms"]["name"], "Netto 8 dage");
    assert!(
        draft["pdf"]["download"]
            .as_str()
            .is_some_and(|link| link.ends_with("/invoices/drafts/1/pdf"))
    );

    let (status, headers, booked) = raw
        .post(
            "/invoices/booked",
            &json!({"draftInvoice": {"draftInvoiceNumber": 1}, "bookWithNumber": 300}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["bookedInvoiceNumber"], 300);
    assert!(headers.get("location").is_some());
    assert_eq!(booked["remainder"], 625.0);
    assert_eq!(booked["references"]["other"], "shop-1");
    assert_eq!(booked["lines"][0]["vatRate"], 25.0);
    assert_eq!(booked["lines"][0]["vatAmount"], 125.0);
    let (status, drafts) = raw.get("/invoices/drafts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(drafts["collection"], json!([]));

    // Booking with a number in use is a validation error.
    raw.post("/invoices/drafts", &draft_body(1)).await;
    let (status, _, error) = raw
        .post(
            "/invoices/booked",
            &json!({"draftInvoice": {"draftInvoiceNumber": 2}, "bookWithNumber": 300}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["errors"]["bookWithNumber"]["errors"][0]["errorCode"].is_string(),
        "{error}"
    );
}

#[tokio::test]
async fn nulls_are_rejected_with_the_annotated_error_shape() {
    let stand_in = StandIn::start().await.expect("starts");
    let raw = Raw::new(&stand_in);
    stand_in.add_customer("Jens", None);
    let mut body = draft_body(1);
    body["notes"] = json!({"heading": null});
    body["lines"][0]["unit"] = Value::Null;
    let (status, _, error) = raw.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_generic_error(&error, 400);
    assert_eq!(error["message"], "Validation error.");
    assert_eq!(
        error["errors"]["notes"]["heading"]["errors"][0]["errorCode"],
        "E00110"
    );
    assert_eq!(error["errors"]["lines"][0]["arrayIndex"], 0);
    assert_eq!(
        error["errors"]["lines"][0]["unit"]["errors"][0]["errorCode"],
        "E00110"
    );
    assert_eq!(stand_in.invoices_created(), 0);
}

#[tokio::test]
async fn drafts_are_validated_like_e_conomic() {
    let stand_in = StandIn::start().await.expect("starts");
    let raw = Raw::new(&stand_in);
    stand_in.add_customer("Jens", None);

    let (status, _, error) = raw.post("/invoices/drafts", &json!({"lines": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for property in [
        "currency",
        "customer",
        "date",
        "layout",
        "paymentTerms",
        "recipient",
    ] {
        assert_eq!(
            error["errors"][property]["errors"][0]["errorCode"], "E00100",
            "{property}: {error}"
        );
    }

    let mut body = draft_body(42);
    body["layout"] = json!({"layoutNumber": 99});
    body["recipient"] = json!({"name": "John"});
    body["lines"] = json!([
        {"description": "a", "product": {"productNumber": "1"}, "quantity": 1, "unitNetPrice": 1.234},
        {"description": "b", "product": {"productNumber": "missing"}, "quantity": 1, "unitNetPrice": 1},
        {"description": "c", "product": {}, "quantity": 1},
        {"description": "d", "product": {"productNumber": "1"}, "unitNetPrice": 1}
    ]);
    let (status, _, error) = raw.post("/invoices/drafts", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let first = |property: &Value| property["errors"][0].clone();
    let customer = first(&error["errors"]["customer"]);
    assert_eq!(customer["errorCode"], "E06000", "{error}");
    assert_eq!(customer["message"], "Customer does not exist.");
    assert_eq!(first(&error["errors"]["layout"])["errorCode"], "E06000");
    let zone = first(&error["errors"]["recipient"]["vatZone"]);
    assert_eq!(zone["errorCode"], "E00100");
    let lines = error["errors"]["lines"].as_array().expect("line errors");
    let code = |index: u64, property: &str| {
        lines
            .iter()
            .find(|line| line["arrayIndex"] == index)
            .and_then(|line| line[property]["errors"][0]["errorCode"].as_str())
            .map(str::to_owned)
    };
    assert_eq!(code(0, "unitNetPrice").as_deref(), Some("E04740"));
    assert_eq!(code(1, "product").as_deref(), Some("E06000"));
    assert_eq!(code(2, "product").as_deref(), Some("E04500"));
    assert_eq!(code(3, "quantity").as_deref(), Some("E04730"));

    // A non-JSON body and a wrong content type are refused too.
    let response = raw
        .request(reqwest::Method::POST, "/invoices/drafts")
        .body("{")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = raw
        .http
        .post(format!("{}/customers", raw.base))
        .header("X-AppSecretToken", &raw.secret)
        .header("X-AgreementGrantToken", &raw.grant)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(stand_in.invoices_created(), 0);
}

#[tokio::test]
async fn collections_page_and_filter() {
    let stand_in = StandIn::start().await.expect("starts");
    let raw = Raw::new(&stand_in);
    for index in 0..25 {
        stand_in.add_customer(
            &format!("Kunde {index}"),
            Some(&format!("k{index}@example.dk")),
        );
    }
    let (status, page) = raw.get("/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["collection"].as_array().map(Vec::len), Some(20));
    assert_eq!(page["pagination"]["pageSize"], 20);
    assert_eq!(page["pagination"]["results"], 25);
    assert_eq!(page["pagination"]["maxPageSizeAllowed"], 1000);
    let next = page["pagination"]["nextPage"].as_str().expect("next page");
    assert!(
        next.starts_with(stand_in.base_url()) && next.contains("skippages=1"),
        "{next}"
    );

    let (_, last) = raw.get("/customers?skippages=1&pagesize=20").await;
    assert_eq!(last["collection"].as_array().map(Vec::len), Some(5));
    assert!(last["pagination"].get("nextPage").is_none());
    assert!(last["pagination"]["previousPage"].is_string());

    let (_, capped) = raw.get("/customers?pagesize=5000").await;
    assert_eq!(capped["pagination"]["pageSize"], 1000);
    let (status, error) = raw.get("/customers?pagesize=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_generic_error(&error, 400);

    let (_, found) = raw
        .get("/customers?filter=email%24eq%3AK7%40EXAMPLE.DK")
        .await;
    assert_eq!(found["collection"][0]["name"], "Kunde 7");
    assert_eq!(found["pagination"]["results"], 1);
    assert_eq!(found["pagination"]["resultsWithoutFilter"], 25);

    let (_, empty) = raw
        .get("/customers?filter=email%24eq%3Anobody%40example.dk")
        .await;
    assert_eq!(empty["collection"], json!([]));
    assert!(empty["pagination"].get("firstPage").is_none());
    assert_eq!(
        empty["pagination"]["developerHint"],
        "Pagination links are suppressed when there are no results."
    );

    let (status, error) = raw.get("/customers?filter=balance%24eq%3A0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|message| message.contains("not filterable")),
        "{error}"
    );
    let (status, _) = raw
        .get("/invoices/booked?filter=references.other%24eq%3Ax")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = raw.get("/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn faults_are_counted_and_scoped() {
    let stand_in = StandIn::start().await.expect("starts");
    let raw = Raw::new(&stand_in);
    stand_in
        .faults()
        .too_many_requests(1, Duration::from_millis(1500));
    let response = raw
        .request(reqwest::Method::GET, "/self")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()),
        Some("2")
    );
    assert_generic_error(&response.json().await.expect("JSON"), 429);

    stand_in.faults().add(
        economic::standin::FaultRule::new(economic::standin::Fault::ServerError)
            .times(2)
            .on("GET", "/units"),
    );
    assert_eq!(raw.get("/self").await.0, StatusCode::OK);
    assert_eq!(raw.get("/units").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(raw.get("/units").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(raw.get("/units").await.0, StatusCode::OK);
    assert_eq!(stand_in.request_count("GET", "/units"), 3);
    assert_eq!(stand_in.request_count("GET", "/self"), 2);
    let counts = stand_in.route_counts();
    assert_eq!(counts.get("GET /units"), Some(&3));

    stand_in.faults().slow(1, Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert_eq!(raw.get("/layouts").await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    stand_in.reset_counters();
    assert!(stand_in.requests().is_empty());
    assert_eq!(stand_in.request_count("GET", "/units"), 0);
}

#[tokio::test]
async fn the_binary_serves_on_the_given_address() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_economic-standin"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--app-secret-token",
            "bin-secret",
            "--agreement-grant-token",
            "bin-grant",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("prints in time")
        .expect("reads")
        .expect("a line");
    let base = first.rsplit(' ').next().expect("an address").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let response = reqwest::Client::new()
        .get(format!("{base}/self"))
        .header("X-AppSecretToken", "bin-secret")
        .header("X-AgreementGrantToken", "bin-grant")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    child.kill().await.expect("stops");
}
