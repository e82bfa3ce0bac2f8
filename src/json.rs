//! Serde helpers for request bodies, so that what the contract allows is exactly what the
//! server accepts.

use serde::{Deserialize, Deserializer, de::Error};

use crate::error::ProblemCode;

/// JSON Schema counts `3.0` as an integer; serde's `u8` does not. Accept integral numbers.
fn integral<'de, D: Deserializer<'de>>(n: serde_json::Number) -> Result<u8, D::Error> {
    let value = n
        .as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        })
        .ok_or_else(|| {
            D::Error::custom(format!(
                "invalid value: {n}, expected a whole number from 0 to 255"
            ))
        })?;
    u8::try_from(value).map_err(|_| {
        D::Error::custom(format!(
            "invalid value: {value}, expected a whole number from 0 to 255"
        ))
    })
}

/// A whole number 0–255, also when written as `16.0`.
pub fn u8_int<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    integral::<D>(serde_json::Number::deserialize(d)?)
}

/// An optional whole number 0–255 (`null` is none).
pub fn opt_u8_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?
        .map(integral::<D>)
        .transpose()
}

/// For partial updates of clearable fields (with `#[serde(default)]`): left out is `None`
/// (unchanged), `null` is `Some(None)` (clear it), a value is `Some(Some(v))`.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// [`double_option`] for whole numbers 0–255.
pub fn double_option_u8<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u8>>, D::Error> {
    opt_u8_int(d).map(Some)
}

/// For partial updates (with `#[serde(default)]`): a field left out is `None`; `null` is
/// refused, because these fields cannot be cleared.
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// [`present`] for whole numbers 0–255.
pub fn present_u8_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    u8_int(d).map(Some)
}

/// A JSON request body that must be an object. (Serde's derived structs also accept a JSON
/// array of the field values, which the contract does not allow.) Size limit, content type
/// and malformed JSON are handled by the `JsonConfig` of the app, as for `web::Json`.
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let value = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            if !value.is_object() {
                return Err(crate::error::ApiError::new(
                    ProblemCode::InvalidBody,
                    "The body must be a JSON object.",
                )
                .into());
            }
            serde_json::from_value(value).map(Body).map_err(|e| {
                crate::error::ApiError::new(
                    ProblemCode::InvalidBody,
                    format!("The body does not fit this endpoint: {e}."),
                )
                .into()
            })
        })
    }
}

/// Timestamps in responses, in one fixed RFC 3339 form: UTC with milliseconds and `Z`
/// (`2026-11-29T09:30:00.000Z`), as JavaScript's `toISOString` writes them. (chrono's own
/// form drops a zero fraction and writes up to nine digits, which some phone date parsers
/// refuse.) Use with `#[serde(serialize_with = "crate::json::timestamp")]`.
pub fn timestamp<S: serde::Serializer>(
    t: &chrono::DateTime<chrono::Utc>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// [`timestamp`] for an optional time (`null` when absent).
pub fn opt_timestamp<S: serde::Serializer>(
    t: &Option<chrono::DateTime<chrono::Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => timestamp(t, s),
        None => s.serialize_none(),
    }
}

/// Declares a closed enum with its wire names (snake_case, as serde and the contract spell
/// them) and `ALL`, `as_str` and `parse` for the stored text. (A `serde(rename)` per variant
/// from the macro's literal would be one spelling less, but utoipa's derive does not read a
/// literal passed through a macro and documented the Rust names; `wire_names_agree` in each
/// module that declares some checks the two spellings instead.)
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use wire_enum;

/// Whether every value of a [`wire_enum!`] serializes as its `as_str` (a test helper).
#[cfg(test)]
pub(crate) fn wire_names_agree<T: serde::Serialize + Copy + std::fmt::Debug>(
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<(), String> {
    for v in all {
        let json = serde_json::to_value(v).map_err(|e| e.to_string())?;
        if json != as_str(*v) {
            return Err(format!(
                "{v:?} is {json} on the wire but {:?} stored",
                as_str(*v)
            ));
        }
    }
    Ok(())
}
