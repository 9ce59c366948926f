//! HTTP answers in tests: an [`Answer`] read whole from a response, and the
//! assertions on it shared by the API and function tests.

use axum::body::Body;
use axum::http::{HeaderMap, Response};

/// A response with its body read.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

/// Read `resp` whole.
pub async fn answer(resp: Response<Body>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// Assert a v1 JSON error answer: the status, a code and a message, and
/// the field at fault (`None`: no field).
pub fn assert_error(a: &Answer, status: u16, field: Option<&str>) {
    assert_eq!(a.status, status, "body: {}", a.text());
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/json")
    );
    let j = a.json();
    let e = &j["error"];
    assert!(e["code"].is_string(), "{j}");
    assert!(e["message"].is_string(), "{j}");
    assert_eq!(e["field"].as_str(), field, "{j}");
}

/// Assert that two answers to the same request are the same: status,
/// content type and body (JSON bodies compared value by value, numbers to
/// a relative 1e-4, so scores computed by another vector store compare).
/// The one field allowed to differ is `loaded_at`, the moment each process
/// loaded the model: both must be RFC 3339 UTC timestamps at most a minute
/// apart.
pub fn assert_same_answer(a: &Answer, b: &Answer, ctx: &str) {
    assert_eq!(a.status, b.status, "{ctx}: {} vs {}", a.text(), b.text());
    assert_eq!(a.header("content-type"), b.header("content-type"), "{ctx}");
    assert_eq!(a.header("location"), b.header("location"), "{ctx}");
    let json = |x: &Answer| serde_json::from_slice::<serde_json::Value>(&x.body).ok();
    match (json(a), json(b)) {
        (Some(x), Some(y)) => {
            if let Err(path) = same_json(&x, &y, String::new()) {
                panic!("{ctx}: the answers differ at {path}:\n{x}\n{y}");
            }
        }
        _ => assert_eq!(a.text(), b.text(), "{ctx}"),
    }
}

fn same_json(x: &serde_json::Value, y: &serde_json::Value, path: String) -> Result<(), String> {
    use serde_json::Value;
    match (x, y) {
        (Value::Number(p), Value::Number(q)) => {
            let (p, q) = (p.as_f64().unwrap(), q.as_f64().unwrap());
            if (p - q).abs() <= 1e-4 * p.abs().max(q.abs()).max(1.0) {
                Ok(())
            } else {
                Err(path)
            }
        }
        (Value::Array(p), Value::Array(q)) if p.len() == q.len() => p
            .iter()
            .zip(q)
            .enumerate()
            .try_for_each(|(i, (p, q))| same_json(p, q, format!("{path}[{i}]"))),
        (Value::Object(p), Value::Object(q)) if p.len() == q.len() => {
            p.iter().try_for_each(|(k, v)| match q.get(k) {
                Some(w) => same_json(v, w, format!("{path}.{k}")),
                None => Err(format!("{path}.{k}")),
            })
        }
        (Value::String(p), Value::String(q)) if path.ends_with(".loaded_at") => {
            match (epoch_seconds(p), epoch_seconds(q)) {
                (Some(p), Some(q)) if p.abs_diff(q) <= 60 => Ok(()),
                _ => Err(path),
            }
        }
        _ if x == y => Ok(()),
        _ => Err(path),
    }
}

/// Seconds since 1970 of a `YYYY-MM-DDTHH:MM:SSZ` timestamp, or `None` when
/// the string is not one (or is before 1970).
fn epoch_seconds(t: &str) -> Option<u64> {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    if t.len() != 20 {
        return None;
    }
    let at = time::PrimitiveDateTime::parse(t, FORMAT).ok()?;
    u64::try_from(at.assume_utc().unix_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaded_at_may_differ_by_seconds_but_not_in_shape() {
        use serde_json::json;
        let a = json!({"model": {"loaded_at": "2026-11-29T11:10:37Z", "version": 1}});
        let b = json!({"model": {"loaded_at": "2026-11-29T11:10:38Z", "version": 1}});
        assert_eq!(same_json(&a, &b, String::new()), Ok(()));
        // Across midnight and a month end: 2026-11-30T23:59:59Z -> 2026-12-01T00:00:30Z.
        assert_eq!(
            epoch_seconds("2026-12-01T00:00:30Z").unwrap()
                - epoch_seconds("2026-11-30T23:59:59Z").unwrap(),
            31
        );
        assert_eq!(epoch_seconds("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
        let late = json!({"model": {"loaded_at": "2026-11-29T11:12:38Z", "version": 1}});
        assert_eq!(
            same_json(&a, &late, String::new()),
            Err(".model.loaded_at".into())
        );
        let bad = json!({"model": {"loaded_at": "yesterday", "version": 1}});
        assert_eq!(
            same_json(&a, &bad, String::new()),
            Err(".model.loaded_at".into())
        );
        let other = json!({"model": {"loaded_at": "2026-11-29T11:10:37Z", "version": 2}});
        assert_eq!(
            same_json(&a, &other, String::new()),
            Err(".model.version".into())
        );
    }
}
