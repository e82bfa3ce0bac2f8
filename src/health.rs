//! Liveness and readiness for load balancers and orchestrators.

use actix_web::web::{Data, Json};
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Live {
    #[schema(example = "ok")]
    pub status: String,
}

/// One dependency's state.
#[derive(Serialize, ToSchema)]
pub struct Component {
    /// `postgres` or `sqlite`; `redis` or `memory`.
    pub kind: String,
    pub ok: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`, or `unavailable` when the database cannot be reached.
    #[schema(example = "ready")]
    pub status: String,
    pub database: Component,
    pub cache: Component,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Live)))]
#[get("/health/live")]
pub async fn get_liveness() -> Json<Live> {
    Json(Live {
        status: "ok".into(),
    })
}

/// The service can serve requests: the database answers. The cache is reported too, but a
/// cache outage does not make the service unready: every cache error is a miss, so requests
/// still succeed from the database (slower).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "The database cannot be reached", body = Ready),
    )
)]
#[get("/health/ready")]
pub async fn get_readiness(state: Data<AppState>) -> HttpResponse {
    use diesel::connection::SimpleConnection;
    // A load balancer asks often and gives up quickly: answer within a quarter of a second
    // whatever the database does (a known outage answers at once, see `Db::run`).
    let check = state
        .db
        .run(|conn| conn.batch_execute("SELECT 1").map_err(Into::into));
    let database_ok = state.db.reachable()
        && matches!(
            tokio::time::timeout(std::time::Duration::from_millis(250), check).await,
            Ok(Ok(()))
        );
    let cache_ok = match state.cache.ping().await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "cache not reachable");
            false
        }
    };
    let body = Ready {
        status: if database_ok { "ready" } else { "unavailable" }.into(),
        database: Component {
            kind: state.db.backend().into(),
            ok: database_ok,
        },
        cache: Component {
            kind: state.cache.kind().into(),
            ok: cache_ok,
        },
    };
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
