//! Typed ids: an `AccountId` can never be passed where an `OrganisationId` is meant.
//! All ids are UUIDv7 (time-ordered, so they index well) stored as TEXT on both backends.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema,
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid, example = "01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e")]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses an id from a URL or body; `None` when it is not a UUID.
            pub fn parse(raw: &str) -> Option<Self> {
                uuid::Uuid::parse_str(raw).ok().map(|u| Self(u.hyphenated().to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            String: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }
    };
}

typed_id!(
    /// A login account of any role.
    AccountId
);
typed_id!(
    /// An employer organisation.
    OrganisationId
);
typed_id!(
    /// A chain of refresh tokens from one login; reuse of an old token revokes the chain.
    SessionId
);
typed_id!(
    /// A message waiting in, or sent from, the mail outbox.
    OutboxId
);
typed_id!(
    /// A vacancy of an organisation.
    VacancyId
);
typed_id!(
    /// A mutual like between a youth and a vacancy.
    MatchId
);
typed_id!(
    /// A message in the conversation after a match.
    MessageId
);
typed_id!(
    /// A youth's consent to an intermediary organisation, from invitation to its end.
    ConsentId
);
typed_id!(
    /// A coach's note on a youth.
    NoteId
);
typed_id!(
    /// One line of the audit log.
    AuditId
);
typed_id!(
    /// One youth handed from one coach to another.
    HandoverId
);
typed_id!(
    /// An intermediary's relation with an employer client.
    ClientId
);
typed_id!(
    /// One line of what an intermediary did for its client.
    ClientActivityId
);
typed_id!(
    /// A coach's proposal of a youth for a vacancy.
    IntroductionId
);
typed_id!(
    /// A youth's placement: a job, internship, BBL job, side job or a return to school.
    PlacementId
);
