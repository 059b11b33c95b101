//! Optional export of the `tracing` spans as OpenTelemetry traces over OTLP (HTTP with
//! protobuf bodies), configured by the standard `OTEL_*` environment variables. Off, with
//! no exporter and no thread, unless an OTLP endpoint is named.

use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::error::AppError;

const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
const RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";

/// The service name traces carry when the environment names none.
pub const DEFAULT_SERVICE_NAME: &str = "makermatch";

/// Where and as what spans are exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceExport {
    /// The full URL of the collector's traces endpoint (`…/v1/traces`). `None`: the
    /// exporter reads `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended, as the specification says.
    pub endpoint: Option<String>,
    /// `service.name`; `None` keeps what `OTEL_RESOURCE_ATTRIBUTES` says.
    pub service_name: Option<String>,
}

impl TraceExport {
    /// What the environment asks for: `None` (no export) unless one of the endpoint
    /// variables is set, or when `OTEL_SDK_DISABLED` is `true`.
    pub fn from_env() -> Option<TraceExport> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`TraceExport::from_env`] reading variables through `var` (tests pass a map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<TraceExport> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if set(SDK_DISABLED).is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return None;
        }
        set(TRACES_ENDPOINT).or_else(|| set(ENDPOINT))?;
        let named_by_attributes = set(RESOURCE_ATTRIBUTES).is_some_and(|attrs| {
            attrs
                .split(',')
                .any(|kv| kv.split('=').next().map(str::trim) == Some("service.name"))
        });
        let service_name = match set(SERVICE_NAME) {
            Some(name) => Some(name.trim().to_owned()),
            None if named_by_attributes => None,
            None => Some(DEFAULT_SERVICE_NAME.to_owned()),
        };
        Some(TraceExport {
            // The exporter reads the endpoint variables itself (with their defaults and
            // path rules), and the headers, timeout and compression ones beside them.
            endpoint: None,
            service_name,
        })
    }

    /// A tracer provider exporting in batches on a thread of its own; the caller shuts it
    /// down at exit so the last spans are sent.
    pub fn provider(&self) -> Result<SdkTracerProvider, AppError> {
        let mut exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary);
        if let Some(endpoint) = &self.endpoint {
            exporter = exporter.with_endpoint(endpoint.clone());
        }
        let exporter = exporter.build().map_err(|e| {
            AppError::InvalidInput(format!(
                "cannot export traces over OTLP ({e}); check {TRACES_ENDPOINT} or {ENDPOINT} \
                 (e.g. http://collector:4318), or unset them to switch traces off"
            ))
        })?;
        let mut resource = Resource::builder();
        if let Some(name) = &self.service_name {
            resource = resource.with_service_name(name.clone());
        }
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Option<TraceExport> {
        TraceExport::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn off_unless_an_endpoint_is_named() {
        assert_eq!(from(&[]), None);
        assert_eq!(from(&[(SERVICE_NAME, "mm")]), None);
        assert_eq!(from(&[(ENDPOINT, " ")]), None);
        assert!(from(&[(ENDPOINT, "http://c:4318")]).is_some());
        assert!(from(&[(TRACES_ENDPOINT, "http://c:4318/v1/traces")]).is_some());
    }

    #[test]
    fn the_sdk_switch_wins() {
        assert_eq!(
            from(&[(ENDPOINT, "http://c:4318"), (SDK_DISABLED, "TRUE")]),
            None
        );
        assert!(from(&[(ENDPOINT, "http://c:4318"), (SDK_DISABLED, "false")]).is_some());
    }

    #[test]
    fn the_service_name_defaults_to_makermatch() {
        let name = |vars: &[(&str, &str)]| from(vars).and_then(|t| t.service_name);
        let endpoint = (ENDPOINT, "http://c:4318");
        assert_eq!(name(&[endpoint]).as_deref(), Some("makermatch"));
        assert_eq!(
            name(&[endpoint, (SERVICE_NAME, "mm-eu")]).as_deref(),
            Some("mm-eu")
        );
        assert_eq!(
            name(&[
                endpoint,
                (RESOURCE_ATTRIBUTES, "env=prod, service.name=mm-x")
            ]),
            None
        );
    }
}
