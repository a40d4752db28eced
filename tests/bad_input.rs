//! Every bad input gets a clear 4xx JSON error (never a panic, never a 500 for a client
//! mistake), and the install store is unchanged afterwards.

use http::{Method, StatusCode};
use serde_json::json;
use shoporama_app::AppSettings;
use shoporama_app::store::{InstallStore, SqliteStore};
use shoporama_app::testing::{SimResponse, SimulatedShop};
use shoporama_app_tests::{APP_TOKEN, PREVIOUS_TOKEN, Recorder, RecorderSettings, RunningServer};

struct Case {
    name: &'static str,
    method: Method,
    query: String,
    token: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    error: &'static str,
}

fn case(
    name: &'static str,
    query: &str,
    token: Option<&'static str>,
    body: &[u8],
    status: StatusCode,
    error: &'static str,
) -> Case {
    Case {
        name,
        method: Method::POST,
        query: query.to_owned(),
        token,
        body: body.to_vec(),
        status,
        error,
    }
}

#[tokio::test]
async fn bad_inputs_get_their_status_and_leave_the_store_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.db");
    let url = format!("sqlite://{}", path.display());
    let server = RunningServer::start(Recorder::default(), &url).await;
    let shop = SimulatedShop::over_http(
        &server.callback_url,
        RecorderSettings::manifest(),
        APP_TOKEN,
    )
    .webshop_id(7)
    .field("api_key", "k");
    shop.install().await.assert_ok();
    let observer = SqliteStore::open(&path).await.expect("second connection");
    let before = observer.installations().await.expect("dump");
    assert_eq!(before.len(), 1);

    let good = br#"{"order_id": 1}"#;
    let big = vec![b' '; 64 * 1024 + 1];
    let cases = [
        case(
            "no token",
            "type=paid&webshop_id=7",
            None,
            good,
            StatusCode::UNAUTHORIZED,
            "missing x-app-token header",
        ),
        case(
            "wrong token",
            "type=paid&webshop_id=7",
            Some("nope"),
            good,
            StatusCode::UNAUTHORIZED,
            "invalid x-app-token header",
        ),
        case(
            "token prefix",
            "type=paid&webshop_id=7",
            Some("test-app-token"),
            good,
            StatusCode::UNAUTHORIZED,
            "invalid x-app-token header",
        ),
        case(
            "no type",
            "webshop_id=7",
            Some(APP_TOKEN),
            good,
            StatusCode::BAD_REQUEST,
            "missing query parameter `type`",
        ),
        case(
            "no webshop",
            "type=paid",
            Some(APP_TOKEN),
            good,
            StatusCode::BAD_REQUEST,
            "missing query parameter `webshop_id`",
        ),
        case(
            "bad webshop",
            "type=paid&webshop_id=seven",
            Some(APP_TOKEN),
            good,
            StatusCode::BAD_REQUEST,
            "invalid query parameter `webshop_id`",
        ),
        case(
            "negative webshop",
            "type=paid&webshop_id=-7",
            Some(APP_TOKEN),
            good,
            StatusCode::BAD_REQUEST,
            "invalid query parameter `webshop_id`",
        ),
        case(
            "bad type",
            "type=%3Cscript%3E&webshop_id=7",
            Some(APP_TOKEN),
            good,
            StatusCode::BAD_REQUEST,
            "invalid query parameter `type`",
        ),
        case(
            "invalid json",
            "type=paid&webshop_id=7",
            Some(APP_TOKEN),
            b"{\"order_id\": ",
            StatusCode::BAD_REQUEST,
            "invalid JSON body",
        ),
        case(
            "too large",
            "type=paid&webshop_id=7",
            Some(APP_TOKEN),
            &big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the limit",
        ),
        case(
            "unknown shop",
            "type=paid&webshop_id=42",
            Some(APP_TOKEN),
            good,
            StatusCode::NOT_FOUND,
            "unknown webshop 42",
        ),
        case(
            "install without token",
            "type=install&webshop_id=7",
            Some(APP_TOKEN),
            b"{\"fields\":{}}",
            StatusCode::BAD_REQUEST,
            "lacks `app_token`",
        ),
        case(
            "install not an object",
            "type=install&webshop_id=7",
            Some(APP_TOKEN),
            b"[1,2]",
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        case(
            "install for another shop",
            "type=install&webshop_id=7",
            Some(APP_TOKEN),
            br#"{"webshop_id": 8, "app_token": "x"}"#,
            StatusCode::BAD_REQUEST,
            "does not match",
        ),
        case(
            "update with bad fields",
            "type=update&webshop_id=7",
            Some(APP_TOKEN),
            br#"{"fields": "x"}"#,
            StatusCode::BAD_REQUEST,
            "`fields`",
        ),
        case(
            "update bad limit",
            "type=update&webshop_id=7",
            Some(APP_TOKEN),
            br#"{"app_token": "x", "app_token_daily_limit": "lots"}"#,
            StatusCode::BAD_REQUEST,
            "app_token_daily_limit",
        ),
        Case {
            name: "wrong method",
            method: Method::PUT,
            query: "type=paid&webshop_id=7".to_owned(),
            token: Some(APP_TOKEN),
            body: good.to_vec(),
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: "not allowed",
        },
        Case {
            name: "GET on the callback",
            method: Method::GET,
            query: "type=paid&webshop_id=7".to_owned(),
            token: Some(APP_TOKEN),
            body: Vec::new(),
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: "callbacks are POSTed",
        },
    ];
    for case in cases {
        let response: SimResponse = shop
            .raw(
                case.method.clone(),
                &case.query,
                case.token,
                case.body.clone(),
            )
            .await;
        assert_eq!(
            response.status, case.status,
            "{}: {}",
            case.name, response.body
        );
        let error = response
            .error()
            .unwrap_or_else(|| panic!("{}: no JSON error in {}", case.name, response.body));
        assert!(
            error.contains(case.error),
            "{}: {error:?} lacks {:?}",
            case.name,
            case.error
        );
        assert!(
            !response
                .body
                .to_string()
                .contains(shoporama_app_tests::REST_TOKEN),
            "{}: leaks the token",
            case.name
        );
    }
    let broken = b"{\n  \"a\": 1,\n  \"b\" 2\n}".to_vec();
    let expected = serde_json::from_slice::<serde_json::Value>(&broken).expect_err("invalid");
    assert_eq!((expected.line(), expected.column()), (3, 7));
    let invalid_json = shop
        .raw(
            Method::POST,
            "type=paid&webshop_id=7",
            Some(APP_TOKEN),
            broken,
        )
        .await;
    assert_eq!(
        (
            invalid_json.body["line"].clone(),
            invalid_json.body["column"].clone()
        ),
        (json!(3), json!(7))
    );

    let after = observer.installations().await.expect("dump");
    assert_eq!(before, after, "a refused callback changed the store");

    // The previous token still works while rotating, and a route that does not exist is JSON too.
    shop.raw(
        Method::POST,
        "type=paid&webshop_id=7",
        Some(PREVIOUS_TOKEN),
        good.to_vec(),
    )
    .await
    .assert_ok();
    let missing = reqwest::get(format!("{}/nowhere", server.base_url))
        .await
        .expect("answers");
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("JSON error");
    assert_eq!(body["error"], "no route for /nowhere");
    server.stop().await;
}
