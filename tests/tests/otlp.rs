//! OpenTelemetry traces as an operator's collector receives them: with an OTLP endpoint
//! configured, a GraphQL request arrives at `POST /v1/traces` as a protobuf
//! `ExportTraceServiceRequest` holding a span named after the operation, from the service
//! `makermatch`. The collector is a small HTTP server inside the test.
//!
//! The exporter is configured by value (`telemetry::init_with`), not by setting `OTEL_*`
//! variables, which are process-wide; the variables' reading is unit-tested in
//! `telemetry::otlp`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use futures::{SinkExt, StreamExt};
use makermatch_api::config::{LogConfig, LogFormat};
use makermatch_api::telemetry::{self, otlp::TraceExport};
use makermatch_tests::{TestApp, TestDb};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What the collector received: each request's content type and body.
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

async fn collect(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    received.lock().unwrap().push((content_type, body));
    // An empty `ExportTraceServiceResponse` is an empty protobuf body.
    StatusCode::OK
}

/// Starts the collector on a free port; returns its base URL.
async fn collector(received: Received) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/traces", post(collect))
        .with_state(received);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn string_value(value: &Option<AnyValue>) -> Option<&str> {
    match value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| string_value(&kv.value))
}

/// (service name, span name, operation attribute) of every span received so far.
fn spans(received: &Received) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (content_type, body) in received.lock().unwrap().iter() {
        assert_eq!(content_type, "application/x-protobuf");
        assert!(!body.is_empty(), "an export with no content");
        let request = ExportTraceServiceRequest::decode(body.as_ref())
            .unwrap_or_else(|e| panic!("not an OTLP trace export: {e}"));
        for resource_spans in &request.resource_spans {
            let service = resource_spans
                .resource
                .as_ref()
                .and_then(|r| attribute(&r.attributes, "service.name"))
                .unwrap_or_default()
                .to_owned();
            for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
                let operation = attribute(&span.attributes, "graphql.operation.name")
                    .unwrap_or_default()
                    .to_owned();
                found.push((service.clone(), span.name.clone(), operation));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graphql_request_arrives_at_the_collector_as_a_span() {
    let received = Received::default();
    let base = collector(received.clone()).await;
    // As the environment would configure it: an endpoint named, no service name.
    let mut export = TraceExport::from_vars(|name| {
        (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| base.clone())
    })
    .expect("an endpoint switches export on");
    export.endpoint = Some(format!("{base}/v1/traces"));
    let log = LogConfig {
        format: LogFormat::Human,
        level: "info".to_owned(),
    };
    let telemetry = telemetry::init_with(&log, Some(export)).unwrap();

    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let body = app.anon("query OtlpProbe { version }", json!({})).await;
    assert!(body["data"]["version"].is_string(), "{body}");
    let answer = over_socket(&app, "query OtlpSocket { version }").await;
    assert!(answer["data"]["version"].is_string(), "{answer}");
    app.stop().await;

    // Dropping the telemetry sends the spans not yet exported; it blocks, so off the runtime.
    tokio::task::spawn_blocking(move || drop(telemetry))
        .await
        .unwrap();
    let mut probe = None;
    for _ in 0..100 {
        probe = spans(&received)
            .into_iter()
            .find(|(_, name, _)| name == "graphql OtlpProbe");
        if probe.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (service, _, operation) =
        probe.unwrap_or_else(|| panic!("no span `graphql OtlpProbe` among {:?}", spans(&received)));
    assert_eq!(service, "makermatch");
    assert_eq!(operation, "OtlpProbe");
    // An operation over a WebSocket is a span too, named the same way.
    let socket = spans(&received)
        .into_iter()
        .find(|(_, name, _)| name == "graphql OtlpSocket");
    let (_, _, operation) = socket
        .unwrap_or_else(|| panic!("no span `graphql OtlpSocket` among {:?}", spans(&received)));
    assert_eq!(operation, "OtlpSocket");
}

/// Runs `query` over a graphql-transport-ws socket and returns its `next` payload.
async fn over_socket(app: &TestApp, query: &str) -> serde_json::Value {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let send = |v: serde_json::Value| WsMessage::text(v.to_string());
    ws.send(send(json!({ "type": "connection_init", "payload": {} })))
        .await
        .unwrap();
    ws.send(send(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    ))
    .await
    .unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s")
            .expect("the socket stays open")
            .unwrap();
        if let WsMessage::Text(text) = message {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if v["type"] == "next" {
                return v["payload"].clone();
            }
        }
    }
}
