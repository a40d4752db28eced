//! The e-conomic client against the stand-in, over loopback HTTP.

use std::time::Duration;

use chrono::NaiveDate;
use economic::catalogue::catalogue;
use economic::invoice::{
    AddressInput, CustomerInput, InvoiceConfig, InvoiceInput, LineInput, ShippingInput,
    build_draft, new_customer,
};
use economic::model::{
    CustomerGroupRef, NewCustomer, NewProduct, PaymentTermsRef, ProductGroupRef, VatZoneRef,
};
use economic::query::Filter;
use economic::standin::{Fault, FaultRule, StandIn};
use economic::{
    Client, ClientConfig, Error, ExistingInvoice, Money, Quantity, RetryPolicy, VatRate,
};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    }
}

async fn setup() -> (StandIn, Client) {
    let stand_in = StandIn::start().await.expect("stand-in starts");
    let client =
        Client::new(stand_in.client_config().with_retry(fast_retries())).expect("client builds");
    (stand_in, client)
}

fn new_customer_named(name: &str, email: Option<&str>) -> NewCustomer {
    NewCustomer {
        email: email.map(str::to_owned),
        ..NewCustomer::new(
            name,
            "DKK",
            CustomerGroupRef {
                customer_group_number: 1,
            },
            PaymentTermsRef::new(1),
            VatZoneRef::new(1),
        )
    }
}

fn order(reference: &str) -> InvoiceInput {
    InvoiceInput {
        order_reference: reference.to_owned(),
        currency: "DKK".to_owned(),
        date: NaiveDate::from_ymd_opt(2024, 2, 13).expect("valid date"),
        customer: CustomerInput {
            name: "Jens Hansen".to_owned(),
            email: Some("jens@example.dk".to_owned()),
            address: AddressInput {
                country_code: "DK".to_owned(),
                city: Some("Aarhus".to_owned()),
                ..AddressInput::default()
            },
            ..CustomerInput::default()
        },
        delivery: None,
        lines: vec![
            LineInput {
                product_number: Some("1".to_owned()),
                description: "T-shirt".to_owned(),
                quantity: Quantity::from_units(2),
                unit_price_incl_vat: Money::from_minor(19_950),
                vat_rate: VatRate::DANISH,
            },
            LineInput {
                product_number: None,
                description: "Gavekort-indpakning".to_owned(),
                quantity: Quantity::from_units(3),
                unit_price_incl_vat: Money::from_minor(3_333),
                vat_rate: VatRate::DANISH,
            },
        ],
        shipping: Some(ShippingInput {
            description: "GLS".to_owned(),
            price_incl_vat: Money::from_major(49),
            vat_rate: VatRate::DANISH,
        }),
        discount: None,
        paid_total: None,
    }
}

#[tokio::test]
async fn agreement_and_settings_lists() {
    let (stand_in, client) = setup().await;
    let agreement = client.agreement().await.expect("GET /self");
    assert_eq!(
        agreement.agreement_number,
        stand_in.config().agreement_number
    );
    assert_eq!(agreement.settings.base_currency.as_deref(), Some("DKK"));

    let zones = client.vat_zones().await.expect("vat zones");
    let names: Vec<&str> = zones.iter().map(|zone| zone.name.as_str()).collect();
    assert_eq!(names, ["Domestic", "EU", "Abroad", "Domestic exempt VAT"]);
    assert!(zones[3].enabled_for_customer && !zones[3].enabled_for_supplier);

    let terms = client.payment_terms().await.expect("payment terms");
    assert_eq!(
        terms
            .iter()
            .map(|terms| terms.payment_terms_number)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 8]
    );
    assert_eq!(terms[0].days_of_credit, Some(8));
    assert_eq!(terms[4].payment_terms_type.as_deref(), Some("prepaid"));

    let groups = client.customer_groups().await.expect("customer groups");
    assert_eq!(
        groups
            .iter()
            .map(|group| group.name.as_str())
            .collect::<Vec<_>>(),
        ["Danske", "Udenlandske"]
    );
    let units = client.units().await.expect("units");
    assert_eq!(units[0].name, "stk.");

    stand_in.add_layout(20, "Gammelt layout", true);
    let layouts = client.layouts().await.expect("layouts");
    assert_eq!(layouts.len(), 3);
    assert!(layouts.iter().any(|layout| layout.deleted));
    let options = client.layout_options().await.expect("layout options");
    assert_eq!(
        options,
        [
            (19, "19 – DK. std. m. bankoplys. 1.5".to_owned()),
            (21, "21 – Eng. std. m. bankoplys. 1.5".to_owned())
        ]
    );
}

#[tokio::test]
async fn customers_are_created_fetched_and_found_by_email() {
    let (stand_in, client) = setup().await;
    assert_eq!(
        client
            .find_customer_by_email("jens@example.dk")
            .await
            .expect("lookup"),
        None
    );

    let created = client
        .create_customer(&new_customer_named("Jens Hansen", Some("Jens@Example.dk")))
        .await
        .expect("created");
    assert_eq!(created.name, "Jens Hansen");
    assert_eq!(created.vat_zone.vat_zone_number, 1);
    assert_eq!(created.vat_zone.name.as_deref(), Some("Domestic"));
    assert!(
        created
            .self_link
            .as_deref()
            .is_some_and(|link| link.starts_with(stand_in.base_url()))
    );

    let found = client
        .find_customer_by_email("jens@example.dk")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.customer_number, created.customer_number);
    let fetched = client
        .customer(created.customer_number)
        .await
        .expect("GET")
        .expect("exists");
    assert_eq!(fetched.email.as_deref(), Some("Jens@Example.dk"));
    assert_eq!(client.customer(999_999).await.expect("GET"), None);
    assert!(matches!(
        client.customers_by_email("  ").await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(stand_in.customers_created(), 1);

    // The body sent contains no nulls, only what was set.
    let post = stand_in
        .requests()
        .into_iter()
        .find(|request| request.method == "POST" && request.route == "/customers")
        .expect("recorded");
    let body = post.body.expect("a JSON body");
    assert!(!body.to_string().contains("null"), "{body}");
    assert!(body.get("address").is_none());
}

#[tokio::test]
async fn validation_errors_carry_e_conomics_body() {
    let (_stand_in, client) = setup().await;
    let mut customer = new_customer_named("Jens", None);
    customer.vat_zone = VatZoneRef::new(9);
    customer.currency = "XXX".to_owned();
    let error = client
        .create_customer(&customer)
        .await
        .expect_err("rejected");
    assert_eq!(error.status(), Some(400));
    assert!(!error.is_transient());
    let body = error.api_body().expect("e-conomic's body");
    assert_eq!(body.message, "Validation error.");
    assert!(body.log_id.is_some());
    let fields = body.field_errors();
    let mut found: Vec<(String, Option<String>)> = fields
        .into_iter()
        .map(|field| (field.path, field.error_code))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("currency".to_owned(), Some("E06000".to_owned())),
            ("vatZone".to_owned(), Some("E06000".to_owned()))
        ]
    );
    let text = error.to_string();
    assert!(
        text.contains("vatZone: VatZone does not exist. (E06000)"),
        "{text}"
    );
}

#[tokio::test]
async fn products_are_fetched_by_encoded_number() {
    let (stand_in, client) = setup().await;
    let product = client.product("1").await.expect("GET").expect("seeded");
    assert_eq!(product.sales_price, Some(Money::from_major(100)));
    stand_in.add_product(
        "My Awesome Product_Discount5%",
        "Awesome",
        Money::from_minor(1_995),
    );
    let awesome = client
        .product("My Awesome Product_Discount5%")
        .await
        .expect("GET")
        .expect("found");
    assert_eq!(awesome.name, "Awesome");
    let request = stand_in.requests().pop().expect("recorded");
    assert_eq!(
        request.path,
        "/products/My_9_Awesome_9_Product_8_Discount5_3_"
    );
    stand_in.add_product("æ/ø", "Nordic", Money::ZERO);
    assert!(client.product("æ/ø").await.expect("GET").is_some());
    assert_eq!(client.product("nope").await.expect("GET"), None);
}

#[tokio::test]
async fn skus_economic_lacks_are_created_in_the_product_group_once() {
    let (stand_in, client) = setup().await;
    let groups = client.product_groups().await.expect("product groups");
    let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(names, ["Varer m/moms", "Varer u/moms"]);
    let options = client
        .list_options("product_groups")
        .await
        .expect("options");
    assert_eq!(options[1], ("2".to_owned(), "2 – Varer u/moms".to_owned()));

    let config = InvoiceConfig {
        product_group: Some(2),
        ..InvoiceConfig::default()
    };
    let long = "S".repeat(26);
    let mut lines = order("1042").lines;
    lines[1].product_number = Some("WRAP-1".to_owned());
    lines.push(LineInput {
        product_number: Some(long.clone()),
        ..lines[0].clone()
    });
    let created = catalogue(&client, &mut lines, &config)
        .await
        .expect("catalogued");
    assert_eq!(created, 1, "the seeded product 1 is used as it is");
    let numbers: Vec<Option<&str>> = lines.iter().map(|l| l.product_number.as_deref()).collect();
    assert_eq!(numbers, [Some("1"), Some("WRAP-1"), None]);
    assert_eq!(lines[2].description, format!("T-shirt ({long})"));
    let product = client
        .product("WRAP-1")
        .await
        .expect("GET")
        .expect("created");
    assert_eq!(product.name, "Gavekort-indpakning");
    assert_eq!(product.sales_price, Some(Money::from_minor(2_666)));
    let stored = stand_in.product("WRAP-1").expect("stored");
    assert_eq!(stored["productGroup"]["productGroupNumber"], 2);

    // Again: nothing to create. Created by someone else meanwhile: the refusal is recovered.
    let mut again = order("1043").lines;
    again[1].product_number = Some("WRAP-1".to_owned());
    assert_eq!(
        catalogue(&client, &mut again, &config).await.expect("ok"),
        0
    );
    let taken = NewProduct {
        product_number: "WRAP-1".to_owned(),
        name: "Other".to_owned(),
        product_group: ProductGroupRef {
            product_group_number: 1,
        },
        sales_price: Money::ZERO,
        unit: None,
    };
    let refused = client.create_product(&taken).await.expect_err("in use");
    assert_eq!(refused.status(), Some(400), "{refused}");
    assert_eq!(stand_in.products_created(), 1);

    // Without a product group an unknown SKU goes on the fallback product, SKU in the text.
    let mut plain = order("1044").lines;
    plain[1].product_number = Some("WRAP-2".to_owned());
    let created = catalogue(&client, &mut plain, &InvoiceConfig::default()).await;
    assert_eq!(created.expect("ok"), 0);
    assert_eq!(plain[1].product_number, None);
    assert_eq!(plain[1].description, "Gavekort-indpakning (WRAP-2)");
}

#[tokio::test]
async fn a_built_invoice_is_created_booked_and_reconciles() {
    let (stand_in, client) = setup().await;
    let input = order("1042");
    let config = InvoiceConfig {
        shipping_product_number: Some("FRAGT".to_owned()),
        ..InvoiceConfig::default()
    };
    let customer = client
        .create_customer(&new_customer(&input, &config).expect("maps"))
        .await
        .expect("created");
    let plan = build_draft(&input, &config, customer.customer_number).expect("builds");

    let draft = client
        .create_draft_invoice(&plan.draft)
        .await
        .expect("draft created");
    assert_eq!(draft.net_amount, plan.totals.net);
    assert_eq!(draft.vat_amount, plan.totals.vat);
    assert_eq!(draft.gross_amount, plan.totals.gross);
    assert_eq!(draft.lines.len(), 3);
    assert_eq!(
        draft.lines[0].unit_net_price,
        Some(Money::from_minor(15_960))
    );
    assert_eq!(
        draft.lines[0].total_net_amount,
        Some(Money::from_minor(31_920))
    );
    assert_eq!(
        draft.lines[2]
            .product
            .as_ref()
            .map(|product| product.product_number.as_str()),
        Some("FRAGT")
    );
    assert_eq!(draft.due_date, NaiveDate::from_ymd_opt(2024, 2, 21));
    assert_eq!(
        draft
            .references
            .as_ref()
            .and_then(|references| references.other.as_deref()),
        Some("shoporama-1042")
    );
    assert_eq!(
        client
            .draft_invoice(draft.draft_invoice_number)
            .await
            .expect("GET"),
        Some(draft.clone())
    );

    let booked = client
        .book_draft(draft.draft_invoice_number)
        .await
        .expect("booked");
    assert_eq!(booked.booked_invoice_number, 1);
    assert_eq!(booked.gross_amount, plan.totals.gross);
    assert_eq!(booked.remainder, Some(plan.totals.gross));
    assert_eq!(booked.lines[0].vat_rate, Some(25.0));
    assert_eq!(booked.lines[0].vat_amount, Some(Money::from_minor(7_980)));
    assert_eq!(
        client
            .draft_invoice(draft.draft_invoice_number)
            .await
            .expect("GET"),
        None
    );
    assert_eq!(
        client
            .booked_invoice(1)
            .await
            .expect("GET")
            .map(|invoice| invoice.booked_invoice_number),
        Some(1)
    );
    assert_eq!(client.booked_invoice(2).await.expect("GET"), None);
    assert_eq!(stand_in.invoices_created(), 1);
    assert_eq!(stand_in.invoices_booked(), 1);

    // Booking a draft that no longer exists is e-conomic's 404.
    let again = client
        .book_draft(draft.draft_invoice_number)
        .await
        .expect_err("gone");
    assert!(again.is_not_found());
}

#[tokio::test]
async fn references_other_finds_the_invoice_of_an_order() {
    let (stand_in, client) = setup().await;
    assert_eq!(
        client
            .find_invoice_by_reference("shoporama-7")
            .await
            .expect("lookup"),
        None
    );
    let customer = stand_in.add_customer("Jens", Some("jens@example.dk"));
    let config = InvoiceConfig::default();
    let draft = client
        .create_draft_invoice(
            &build_draft(&order("7"), &config, customer)
                .expect("builds")
                .draft,
        )
        .await
        .expect("draft");
    // Another order whose reference shares a prefix must not match.
    client
        .create_draft_invoice(
            &build_draft(&order("77"), &config, customer)
                .expect("builds")
                .draft,
        )
        .await
        .expect("draft");

    match client
        .find_invoice_by_reference("SHOPORAMA-7")
        .await
        .expect("lookup")
    {
        Some(ExistingInvoice::Draft(found)) => {
            assert_eq!(found.draft_invoice_number, draft.draft_invoice_number);
        }
        other => panic!("expected the draft, got {other:?}"),
    }
    client
        .book_draft(draft.draft_invoice_number)
        .await
        .expect("booked");
    match client
        .find_invoice_by_reference("shoporama-7")
        .await
        .expect("lookup")
    {
        Some(ExistingInvoice::Booked(found)) => assert_eq!(found.booked_invoice_number, 1),
        other => panic!("expected the booked invoice, got {other:?}"),
    }
    assert_eq!(
        client
            .drafts_by_reference("shoporama-7")
            .await
            .expect("lookup"),
        []
    );
    assert_eq!(
        client
            .drafts_by_reference("shoporama-77")
            .await
            .expect("lookup")
            .len(),
        1
    );
    let requests = stand_in.requests();
    let lookup = requests
        .iter()
        .rev()
        .find(|request| request.route == "/invoices/booked")
        .expect("recorded");
    assert!(
        lookup
            .query
            .as_deref()
            .is_some_and(|query| query.contains("filter=references.other%24eq%3Ashoporama-7")),
        "{lookup:?}"
    );

    // Booked invoices by another filter.
    let by_date = client
        .booked_invoices(Some(&Filter::eq("date", "2024-02-13")))
        .await
        .expect("filtered");
    assert_eq!(by_date.len(), 1);
    let none = client
        .booked_invoices(Some(&Filter::eq("date", "2030-01-01")))
        .await
        .expect("filtered");
    assert!(none.is_empty());
    assert!(matches!(
        client.find_invoice_by_reference(&"x".repeat(251)).await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn pagination_reads_every_page() {
    let stand_in = StandIn::start().await.expect("stand-in starts");
    let client = Client::new(stand_in.client_config().with_page_size(20)).expect("client");
    for index in 0..45 {
        stand_in.add_customer(
            &format!("Kunde {index}"),
            Some(&format!("kunde{index}@example.dk")),
        );
    }
    let everyone: Vec<economic::model::Customer> =
        client.all("/customers", None).await.expect("all pages");
    assert_eq!(everyone.len(), 45);
    let numbers: Vec<u32> = everyone
        .iter()
        .map(|customer| customer.customer_number)
        .collect();
    assert_eq!(numbers, (1..=45).collect::<Vec<_>>());
    assert_eq!(stand_in.request_count("GET", "/customers"), 3);

    let last: economic::model::Page<economic::model::Customer> =
        client.page("/customers", None, 2, 20).await.expect("page");
    assert_eq!(last.collection.len(), 5);
    assert_eq!(last.pagination.results, 45);
    assert_eq!(last.pagination.next_page, None);
    let first: economic::model::Page<economic::model::Customer> =
        client.page("/customers", None, 0, 20).await.expect("page");
    assert!(
        first
            .pagination
            .next_page
            .as_deref()
            .is_some_and(|next| next.contains("skippages=1"))
    );

    let filtered = client
        .customers_by_email("KUNDE44@example.dk")
        .await
        .expect("filtered");
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].name, "Kunde 44");
}

#[tokio::test]
async fn bad_tokens_are_401_and_demo_is_read_only() {
    let (stand_in, _client) = setup().await;
    let wrong = Client::new(
        ClientConfig::new("standin-app-secret", "someone-elses-grant")
            .with_base_url(stand_in.base_url()),
    )
    .expect("client");
    let error = wrong.agreement().await.expect_err("rejected");
    assert!(error.is_unauthorized());
    let body = error.api_body().expect("body");
    assert_eq!(body.http_status_code, Some(401));
    assert!(body.log_id.is_some() && body.developer_hint.is_some());

    let demo =
        Client::new(ClientConfig::demo().with_base_url(stand_in.base_url())).expect("client");
    assert_eq!(demo.vat_zones().await.expect("GET allowed").len(), 4);
    let refused = demo
        .create_customer(&new_customer_named("Demo", None))
        .await
        .expect_err("POST refused");
    assert_eq!(refused.status(), Some(403));
    assert_eq!(stand_in.customers_created(), 0);
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_429_and_500() {
    let (stand_in, client) = setup().await;
    stand_in.faults().too_many_requests(2, Duration::ZERO);
    assert_eq!(client.layouts().await.expect("retried to success").len(), 2);
    assert_eq!(stand_in.request_count("GET", "/layouts"), 3);

    stand_in.faults().server_errors(1);
    assert_eq!(client.units().await.expect("retried to success").len(), 1);
    assert_eq!(stand_in.request_count("GET", "/units"), 2);
    assert_eq!(stand_in.faults().pending(), 0);

    // Retries give up after max_retries with the last error.
    stand_in.faults().server_errors(10);
    let error = client.vat_zones().await.expect_err("gives up");
    assert_eq!(error.status(), Some(500));
    assert!(error.is_transient());
    assert_eq!(stand_in.request_count("GET", "/vat-zones"), 4);
    stand_in.faults().clear();

    // A Retry-After beyond the policy's longest wait is returned, not waited out.
    stand_in
        .faults()
        .too_many_requests(1, Duration::from_secs(30));
    match client.agreement().await {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, 429);
            assert_eq!(api.retry_after, Some(Duration::from_secs(30)));
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    assert_eq!(stand_in.request_count("GET", "/self"), 1);
}

#[tokio::test]
async fn posts_are_never_retried() {
    let (stand_in, client) = setup().await;
    let customer = stand_in.add_customer("Jens", None);
    let plan = build_draft(&order("1"), &InvoiceConfig::default(), customer).expect("builds");

    stand_in
        .faults()
        .add(FaultRule::new(Fault::ServerError).on("POST", "/invoices/drafts"));
    let error = client
        .create_draft_invoice(&plan.draft)
        .await
        .expect_err("500 surfaces");
    assert_eq!(error.status(), Some(500));
    stand_in.faults().add(
        FaultRule::new(Fault::TooManyRequests {
            retry_after: Duration::ZERO,
        })
        .on("POST", "/invoices/drafts"),
    );
    let error = client
        .create_draft_invoice(&plan.draft)
        .await
        .expect_err("429 surfaces");
    assert_eq!(error.status(), Some(429));
    assert_eq!(stand_in.request_count("POST", "/invoices/drafts"), 2);
    assert_eq!(stand_in.invoices_created(), 0);

    // The caller's recovery: look up, then create once.
    assert_eq!(
        client
            .find_invoice_by_reference(&plan.reference)
            .await
            .expect("lookup"),
        None
    );
    client
        .create_draft_invoice(&plan.draft)
        .await
        .expect("created");
    assert_eq!(stand_in.invoices_created(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_the_reference_lookup() {
    let stand_in = StandIn::start().await.expect("stand-in starts");
    let client = Client::new(
        stand_in
            .client_config()
            .with_timeout(Duration::from_millis(200))
            .with_retry(fast_retries()),
    )
    .expect("client");
    let customer = stand_in.add_customer("Jens", None);
    let plan = build_draft(&order("55"), &InvoiceConfig::default(), customer).expect("builds");
    stand_in.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_millis(600))).on("POST", "/invoices/drafts"),
    );
    let error = client
        .create_draft_invoice(&plan.draft)
        .await
        .expect_err("times out");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_transient());
    // The stand-in still processes the slow request, as e-conomic would.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while stand_in.invoices_created() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stand_in.invoices_created(), 1);
    let existing = client
        .find_invoice_by_reference(&plan.reference)
        .await
        .expect("lookup");
    assert!(
        matches!(existing, Some(ExistingInvoice::Draft(_))),
        "{existing:?}"
    );
}

#[tokio::test]
async fn concurrent_reads_share_one_client() {
    let (stand_in, client) = setup().await;
    let calls = (0..8).map(|_| {
        let client = client.clone();
        async move { client.vat_zones().await.map(|zones| zones.len()) }
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(|result| matches!(result, Ok(4))),
        "{results:?}"
    );
    assert_eq!(stand_in.request_count("GET", "/vat-zones"), 8);
}
