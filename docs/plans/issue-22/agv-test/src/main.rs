use async_graphql_value::{ConstValue, Variables};
fn main() {
    let v: ConstValue = serde_json::from_str(r#"{"lat": 52.5, "lon": -0.125, "n": 3, "big": 123456789012345678901234567890}"#).unwrap();
    println!("{v}");
    let vars: Variables = serde_json::from_str(r#"{"near": {"lat": 52.5, "lon": 13.4}}"#).unwrap();
    println!("{}", vars.into_value());
    let from_value = ConstValue::from_json(serde_json::json!({"x": 1.25})).unwrap();
    println!("{from_value}");
}
