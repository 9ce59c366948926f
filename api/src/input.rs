//! Reading request input, so that every error names its field.
//!
//! Query strings and path segments are read parameter by parameter. JSON
//! bodies are typed: [`v1::RecommendationRequest`] and the original client's
//! [`LenientMovieIds`] are `serde` types (the same types describe them in the
//! OpenAPI document), deserialised through [`serde_path_to_error`] so that a
//! fault is reported against the field that holds it. Each field type reads
//! its JSON value and checks it in one place, with the messages the API has
//! always given (`"k must be at least 1"`, `"liked lists movie 3 more than
//! once"`); the field name is put in front of them from the error's path.
//!
//! [`v1::RecommendationRequest`]: crate::v1::RecommendationRequest

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::v1::{RecommendationFilters, RecommendationRequest};
use crate::recommend::{self, Filters, Strategy};
use reelgraph_core::types::MovieId;

/// Query-string pairs in order (duplicates kept, so they can be refused).
pub type Params = Vec<(String, String)>;

/// Unwrap the query extractor, turning its rejection into a JSON 400.
pub fn params(q: Result<Query<Params>, QueryRejection>) -> ApiResult<Params> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("the query string cannot be read: {e}")))
}

/// Unwrap a path-segment extractor: a segment that cannot be decoded (its
/// percent-escapes are not UTF-8) is a JSON 422 naming `field`, not axum's
/// plain-text 400.
pub fn segment(p: Result<Path<String>, PathRejection>, field: &str) -> ApiResult<String> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::invalid(field, format!("{field} cannot be read: {e}")))
}

/// Unwrap the body extractor: 413 over the limit, 400 otherwise.
pub fn body(b: Result<Bytes, BytesRejection>, limit: usize) -> ApiResult<Bytes> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::bad_request(format!("the request body cannot be read: {e}"))
        }
    })
}

/// The single value of query parameter `name` (an error when given twice).
pub fn single<'a>(params: &'a Params, name: &str) -> ApiResult<Option<&'a str>> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let first = found.next().map(|(_, v)| v.as_str());
    if found.next().is_some() {
        return Err(ApiError::invalid(
            name,
            format!("{name} is given more than once"),
        ));
    }
    Ok(first)
}

/// Refuse parameters other than `known`.
pub fn only(params: &Params, known: &[&str]) -> ApiResult<()> {
    match params.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(ApiError::invalid(
            k.clone(),
            format!(
                "unknown query parameter {k:?} (expected {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        )),
        None => Ok(()),
    }
}

/// A count parameter: an integer in `1..=max`, `default` when absent. A
/// larger one is refused (422), as the OpenAPI document's `maximum` says.
pub fn count(params: &Params, name: &str, default: usize, max: usize) -> ApiResult<usize> {
    match single(params, name)? {
        None => Ok(default),
        Some(raw) => parse_count(raw.trim(), name, max),
    }
}

fn parse_count(raw: &str, name: &str, max: usize) -> ApiResult<usize> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            name,
            format!("{name} must be a positive integer, got {raw:?}"),
        ));
    }
    match raw.parse::<u64>() {
        Ok(0) => Err(ApiError::invalid(
            name,
            format!("{name} must be at least 1"),
        )),
        Ok(n) if n <= max as u64 => Ok(n as usize),
        _ => Err(ApiError::invalid(
            name,
            format!("{name} is too large (at most {max} are served)"),
        )),
    }
}

/// A movie id given as text (path segment or query value).
pub fn id_text(raw: &str, field: &str) -> ApiResult<MovieId> {
    named(field, id_text_check(raw))
}

/// [`id_text`]'s check, its message without the field name.
fn id_text_check(raw: &str) -> Result<MovieId, String> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("must be a positive integer movie id, got {raw:?}"));
    }
    match raw.parse::<u64>() {
        Ok(n) if n >= 1 && n <= MovieId::MAX as u64 => Ok(n as MovieId),
        _ => Err(format!("must be a movie id between 1 and {}", MovieId::MAX)),
    }
}

/// `field`'s error: `message` is what follows the field name.
fn named<T>(field: &str, checked: Result<T, String>) -> ApiResult<T> {
    checked.map_err(|message| ApiError::invalid(field, format!("{field} {message}")))
}

/// Parse a JSON body: 400 when it is not JSON at all.
pub fn json(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; JSON expected",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------
// Typed bodies.

/// A fault found by [`typed`]: the keys leading to the field at fault
/// (empty: the body itself) and the message that follows the field name.
struct Fault {
    path: Vec<String>,
    message: String,
}

/// Deserialise `T` from a JSON body, naming the field at fault.
fn typed<'de, T: Deserialize<'de>>(body: &'de Value) -> Result<T, Fault> {
    serde_path_to_error::deserialize(body).map_err(|e| Fault {
        path: e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            })
            .collect(),
        message: e.into_inner().to_string(),
    })
}

/// The field names of struct `T`, in declaration order, as its derived
/// `Deserialize` gives them to serde (for "unknown field" messages).
pub fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// Deserialise a field from its JSON value, refused with `check`'s message.
fn checked<'de, D, T>(d: D, check: impl FnOnce(&Value) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    check(&Value::deserialize(d)?).map_err(de::Error::custom)
}

/// A JSON object read as the struct `T` (serde alone would also read a
/// list as the struct's fields in order); anything else is refused as
/// "must be a JSON object, got …".
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        fn not<E: de::Error, T>(what: &str) -> Result<T, E> {
            Err(E::custom(format!("must be a JSON object, got {what}")))
        }
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Object<T>, A::Error> {
                not("a list")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Object<T>, E> {
                not("a string")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Object<T>, E> {
                not("a boolean")
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Object<T>, E> {
                not("a number")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Object<T>, E> {
                not("a number")
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Object<T>, E> {
                not("a number")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Object<T>, E> {
                not("null")
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Distinct movie ids: a JSON list of at most [`recommend::MAX_IDS`]
/// integers in `1..=u32::MAX` (`LENIENT`: or strings of digits, as the
/// original client may send).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MovieIds<const LENIENT: bool = false>(pub Vec<MovieId>);

/// The body of `POST /getSimilarUser`: liked movie ids, digit strings allowed.
pub type LenientMovieIds = MovieIds<true>;

impl<'de, const LENIENT: bool> Deserialize<'de> for MovieIds<LENIENT> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| {
            let Value::Array(items) = v else {
                return Err(format!("must be a list of movie ids, got {}", kind(v)));
            };
            if items.len() > recommend::MAX_IDS {
                return Err(format!(
                    "has {} ids; at most {} are accepted",
                    items.len(),
                    recommend::MAX_IDS
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            let mut seen = HashSet::with_capacity(items.len());
            for item in items {
                let id = movie_id(item, LENIENT)?;
                if !seen.insert(id) {
                    return Err(format!("lists movie {id} more than once"));
                }
                out.push(id);
            }
            Ok(MovieIds(out))
        })
    }
}

/// A movie id as text, as [`id_text`] reads it: digits (leading zeros
/// allowed) for `1..=4294967295` (`u32::MAX`), white space around them (the
/// characters `str::trim` removes) ignored. An ECMA-262 regular expression
/// (and a Python one: the OpenAPI document's tools read it as such).
pub const ID_TEXT_PATTERN: &str = concat!(
    r"^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*0*",
    r"([1-9][0-9]{0,8}|[1-3][0-9]{9}|4[01][0-9]{8}|42[0-8][0-9]{7}|429[0-3][0-9]{6}",
    r"|4294[0-8][0-9]{5}|42949[0-5][0-9]{4}|429496[0-6][0-9]{3}|4294967[01][0-9]{2}",
    r"|42949672[0-8][0-9]|429496729[0-5])",
    r"[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
);

/// The schema of [`MovieIds`]: distinct ids, each `1..=u32::MAX`, at most
/// [`recommend::MAX_IDS`]; `lenient`: an id may also be a string of digits
/// ([`ID_TEXT_PATTERN`]); `nullable`: `null` too (an absent list).
fn movie_ids_schema(lenient: bool, nullable: bool) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{
        ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
    };
    let id = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(1))
        .maximum(Some(MovieId::MAX));
    let item: utoipa::openapi::RefOr<Schema> = if lenient {
        OneOfBuilder::new()
            .item(id)
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .pattern(Some(ID_TEXT_PATTERN))
                    .description(Some("a movie id in decimal digits")),
            )
            .into()
    } else {
        id.into()
    };
    let types = if nullable {
        SchemaType::from_iter([Type::Array, Type::Null])
    } else {
        SchemaType::Type(Type::Array)
    };
    ArrayBuilder::new()
        .schema_type(types)
        .items(item)
        .max_items(Some(recommend::MAX_IDS))
        .unique_items(true)
        .build()
}

/// The schema of an optional [`MovieIds`] field (`null` or absent: none).
pub fn optional_movie_ids() -> utoipa::openapi::schema::Array {
    movie_ids_schema(false, true)
}

impl<const LENIENT: bool> utoipa::PartialSchema for MovieIds<LENIENT> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        movie_ids_schema(LENIENT, false).into()
    }
}

impl<const LENIENT: bool> utoipa::ToSchema for MovieIds<LENIENT> {}

/// A JSON number that is a non-negative integer, as JSON Schema (and so the
/// OpenAPI document's `integer`) has it: `5` and `5.0` alike (`5.5`, `-1`
/// and numbers past `u64::MAX` are not).
pub fn whole(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

/// One element of [`MovieIds`].
fn movie_id(v: &Value, lenient: bool) -> Result<MovieId, String> {
    match v {
        Value::Number(n) => match whole(n) {
            Some(x) if x >= 1 && x <= MovieId::MAX as u64 => Ok(x as MovieId),
            _ => Err(format!(
                "must hold movie ids (integers between 1 and {}), got {n}",
                MovieId::MAX
            )),
        },
        Value::String(s) if lenient => id_text_check(s),
        other => Err(format!(
            "must hold movie ids (integers), got {}",
            kind(other)
        )),
    }
}

/// How many results: an integer in `1..=`[`recommend::MAX_K`] (a larger
/// one is refused, as the OpenAPI document's `maximum` says).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Count(pub usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| match v {
            Value::Number(n) => match whole(n) {
                Some(0) => Err("must be at least 1".to_string()),
                Some(k) if k <= recommend::MAX_K as u64 => Ok(Count(k as usize)),
                Some(_) => Err(format!(
                    "is too large (at most {} are served)",
                    recommend::MAX_K
                )),
                None => Err(format!(
                    "must be a positive integer (at most {} are served), got {n}",
                    recommend::MAX_K
                )),
            },
            other => Err(format!("must be a positive integer, got {}", kind(other))),
        })
    }
}

/// A [`Strategy`] by its name (`"average_vector"`, `"best_score"`), nothing
/// else (serde's enum form `{"best_score": null}` is refused).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StrategyName(pub Strategy);

impl<'de> Deserialize<'de> for StrategyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| {
            [Strategy::AverageVector, Strategy::BestScore]
                .into_iter()
                .find(|s| v.as_str() == Some(s.name()))
                .map(StrategyName)
                .ok_or_else(|| format!("must be \"average_vector\" or \"best_score\", got {v}"))
        })
    }
}

/// A release year: an integer in `0..=9999`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Year(pub u16);

impl<'de> Deserialize<'de> for Year {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| match v {
            Value::Number(n) => match whole(n) {
                Some(y) if y <= 9999 => Ok(Year(y as u16)),
                _ => Err(format!("must be a year between 0 and 9999, got {n}")),
            },
            other => Err(format!("must be a year (integer), got {}", kind(other))),
        })
    }
}

/// A JSON list of genre names. Its elements are checked with the
/// catalogue ([`GenreNames::resolve`]), in order, a non-string element
/// where it stands: `["Western", 5]` is refused for `"Western"`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenreNames(Vec<Result<String, &'static str>>);

impl<'de> Deserialize<'de> for GenreNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| match v {
            Value::Array(items) => Ok(GenreNames(
                items
                    .iter()
                    .map(|item| match item {
                        Value::String(name) => Ok(name.clone()),
                        other => Err(kind(other)),
                    })
                    .collect(),
            )),
            other => Err(format!(
                "must be a list of genre names, got {}",
                kind(other)
            )),
        })
    }
}

impl GenreNames {
    /// The genres as the catalogue spells them, each once (errors name
    /// `filters.genres`, the one place the type is used).
    pub fn resolve(&self, genre: GenreLookup<'_>) -> ApiResult<Vec<String>> {
        const FIELD: &str = "filters.genres";
        let mut out: Vec<String> = Vec::new();
        for item in &self.0 {
            let name = item.as_ref().map_err(|k| {
                ApiError::invalid(FIELD, format!("{FIELD} must hold strings, got {k}"))
            })?;
            // Well formed but not in the catalogue: 404, as unknown movie ids.
            let known = genre(name).ok_or_else(|| {
                ApiError::not_found(format!(
                    "unknown genre {name:?} (GET /api/v1/genres lists them)"
                ))
                .with_field(FIELD)
            })?;
            if !out.contains(&known) {
                out.push(known);
            }
        }
        Ok(out)
    }
}

/// `genres` must name genres of the catalogue; returns them as it spells them.
pub type GenreLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The body of `POST /getSimilarUser`: a JSON list of liked ids.
pub fn similar_user_ids(body: &Value) -> ApiResult<Vec<MovieId>> {
    named(
        "liked",
        typed::<LenientMovieIds>(body)
            .map(|ids| ids.0)
            .map_err(|f| f.message),
    )
}

/// The checks of a recommendation body in the order they have always been
/// made: a body with several faults gets the error of the first. `?` stands
/// for an unknown field (of the body, of `filters`).
const CHECKS: [&str; 13] = [
    "?",
    "liked",
    "disliked",
    "exclude",
    "liked and disliked",
    "k",
    "strategy",
    "filters",
    "filters.?",
    "filters.genres",
    "filters.year_min",
    "filters.year_max",
    "filters.year_min <= filters.year_max",
];

fn rank(check: &str) -> usize {
    CHECKS.iter().position(|c| *c == check).unwrap_or(0)
}

/// A fault of a recommendation body as its error, with its [`rank`].
fn recommendation_fault(fault: &Fault) -> (usize, ApiError) {
    let path: Vec<&str> = fault.path.iter().map(String::as_str).collect();
    // The fields of the struct holding the field at fault.
    let (struct_fields, unknown) = match path.as_slice() {
        [] => {
            let message = format!("body {}", fault.message);
            let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
            return (0, error);
        }
        [_] => (fields_of::<RecommendationRequest>(), "?"),
        _ => (fields_of::<RecommendationFilters>(), "filters.?"),
    };
    let field = fault.path.join(".");
    let last = path[path.len() - 1];
    if struct_fields.contains(&last) {
        let error = ApiError::invalid(field.clone(), format!("{field} {}", fault.message));
        (rank(&field), error)
    } else {
        // serde refuses a field by itself only when its struct has no such field.
        let message = format!(
            "unknown field {field} (expected one of {})",
            struct_fields.join(", ")
        );
        (rank(unknown), ApiError::invalid(field, message))
    }
}

/// Remove the value at `path` (a key of an object) from `body`.
fn remove(body: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut v = body;
    for key in parents {
        match v.get_mut(key) {
            Some(inner) => v = inner,
            None => return false,
        }
    }
    v.as_object_mut()
        .is_some_and(|map| map.remove(last).is_some())
}

/// The body of `POST /api/v1/recommendations`.
///
/// [`RecommendationRequest`] is deserialised; serde stops at the first
/// fault in key order, so each faulty field is set aside and the body read
/// again until it passes, and the fault reported is the first in `CHECKS`
/// order (the order the fields have always been checked in).
pub fn recommendation_query(
    body: &Value,
    genre: GenreLookup<'_>,
    default_strategy: Strategy,
) -> ApiResult<recommend::Query> {
    let mut body = body.clone();
    let mut faults: Vec<(usize, ApiError)> = Vec::new();
    let query = loop {
        match typed::<Object<RecommendationRequest>>(&body) {
            Ok(Object(request)) => break request.into_query(genre, default_strategy),
            Err(fault) => {
                let (rank, error) = recommendation_fault(&fault);
                if !remove(&mut body, &fault.path) {
                    // The body itself: nothing else can be read.
                    return Err(error);
                }
                faults.push((rank, error));
            }
        }
    };
    if let Err(fault) = query.as_ref() {
        faults.push(fault.clone());
    }
    match faults.into_iter().min_by_key(|(rank, _)| *rank) {
        Some((_, error)) => Err(error),
        None => query.map_err(|(_, e)| e),
    }
}

impl RecommendationRequest {
    /// The query of a deserialised body: the checks across fields and
    /// against the catalogue, each error with its [`rank`].
    fn into_query(
        self,
        genre: GenreLookup<'_>,
        default_strategy: Strategy,
    ) -> Result<recommend::Query, (usize, ApiError)> {
        let ids = |l: Option<MovieIds>| l.map(|l| l.0).unwrap_or_default();
        let (liked, disliked) = (ids(self.liked), ids(self.disliked));
        if let Some(both) = disliked.iter().find(|d| liked.contains(d)) {
            return Err((
                rank("liked and disliked"),
                ApiError::invalid(
                    "disliked",
                    format!("movie {both} is both liked and disliked"),
                ),
            ));
        }
        let mut filters = Filters::default();
        if let Some(Object(f)) = self.filters {
            if let Some(g) = f.genres {
                filters.genres = g.resolve(genre).map_err(|e| (rank("filters.genres"), e))?;
            }
            filters.year_min = f.year_min.map(|y| y.0);
            filters.year_max = f.year_max.map(|y| y.0);
            if let (Some(lo), Some(hi)) = (filters.year_min, filters.year_max)
                && lo > hi
            {
                return Err((
                    rank("filters.year_min <= filters.year_max"),
                    ApiError::invalid(
                        "filters.year_min",
                        format!("filters.year_min ({lo}) is after filters.year_max ({hi})"),
                    ),
                ));
            }
        }
        Ok(recommend::Query {
            liked,
            disliked,
            k: self.k.map_or(recommend::DEFAULT_K, |k| k.0),
            filters,
            exclude: ids(self.exclude),
            strategy: self.strategy.map_or(default_strategy, |s| s.0),
        })
    }
}
