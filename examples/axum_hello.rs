//! An axum `Router` on zokio, served by `zokio_hyper::serve` (HTTP/1 and HTTP/2), with graceful
//! shutdown on Ctrl-C. axum is built without its `tokio` feature: `zokio_hyper::serve` takes the
//! place of `axum::serve`.
//!
//! ```sh
//! cargo run --example axum_hello            # http://127.0.0.1:3000/, /hello?name=you, POST /sum
//! cargo run --example axum_hello -- --smoke # queries itself once over loopback, then exits
//! ```

use axum::extract::Query;
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use serde::Deserialize;
use serde_json::{Value, json};
use zokio_hyper::client::{self, ZokioConnector};

#[derive(Deserialize)]
struct Greeting {
    name: Option<String>,
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on zokio!\n" }))
        .route(
            "/hello",
            get(|Query(greeting): Query<Greeting>| async move {
                format!(
                    "Hello, {}!\n",
                    greeting.name.as_deref().unwrap_or("stranger")
                )
            }),
        )
        .route(
            "/sum",
            post(|Json(numbers): Json<Vec<f64>>| async move {
                Json(json!({ "sum": numbers.iter().sum::<f64>() }))
            }),
        )
}

#[zokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let smoke = std::env::args().any(|a| a == "--smoke")
        || std::env::var_os("ZOKIO_EXAMPLE_SMOKE").is_some_and(|v| v == "1");
    let addr = if smoke {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let listener = zokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}/");

    if !smoke {
        zokio_hyper::serve(listener, app())
            .with_graceful_shutdown(async {
                zokio::signal::ctrl_c().await.ok();
                println!("shutting down: finishing the requests in flight");
            })
            .await?;
        return Ok(());
    }

    // Smoke test: serve in the background, query it with hyper-util's pooled client on zokio.
    let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
    let server = zokio::spawn(async move {
        zokio_hyper::serve(listener, app())
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
    });
    let client: client::Client<Full<axum::body::Bytes>> =
        client::builder().build(ZokioConnector::new());

    let response = client
        .get(format!("http://{local}/hello?name=zokio").parse()?)
        .await?;
    let body = response.into_body().collect().await?.to_bytes();
    assert_eq!(body, "Hello, zokio!\n");

    let request = axum::http::Request::post(format!("http://{local}/sum"))
        .header("content-type", "application/json")
        .body(Full::from("[1, 2, 3.5]"))?;
    let response = client.request(request).await?;
    let sum: Value = serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
    assert_eq!(sum, json!({ "sum": 6.5 }));

    stop.send(()).ok();
    server.await??;
    println!("smoke test passed: GET /hello and POST /sum answered, server shut down gracefully");
    Ok(())
}
