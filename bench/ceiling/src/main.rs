//! The ceiling of the benchmark: the same web framework serving one static JSON body (a real
//! feed page, read from `BODY_FILE`) for every request, with no auth, database or cache. What
//! werkmatch reaches is reported as a share of this.

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::var("BODY_FILE").unwrap_or_else(|_| "body.json".into());
    let body = web::Bytes::from(std::fs::read(&path)?);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(18200);
    let workers: usize = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(2);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move { HttpResponse::Ok().content_type("application/json").body(body) }
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
