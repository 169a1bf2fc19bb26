//! What [`serve`](crate::serve) accepts: a tower service or a hyper service.

use hyper::Request;
use hyper::body::Incoming;
use hyper_util::service::TowerToHyperService;

/// A service [`serve`](crate::serve) can serve: either a tower
/// [`Service`](tower_service::Service) (an axum `Router`, a `tower::ServiceBuilder` stack) or a
/// hyper [`Service`](hyper::service::Service) (`hyper::service::service_fn`), taking
/// `http::Request<hyper::body::Incoming>`.
///
/// `Marker` is [`Tower`] or [`Hyper`]; it is inferred, so callers never name it. (A type that
/// implements both traits is ambiguous: wrap it in hyper-util's `TowerToHyperService` or pass a
/// hyper service.)
///
/// Each connection gets its own clone of the service.
pub trait IntoHyperService<Marker> {
    /// The hyper service it is served as.
    type Service: hyper::service::Service<Request<Incoming>> + Clone;

    /// Converts it.
    fn into_hyper_service(self) -> Self::Service;
}

/// Marker of [`IntoHyperService`] for tower services.
#[derive(Debug)]
pub enum Tower {}

/// Marker of [`IntoHyperService`] for hyper services.
#[derive(Debug)]
pub enum Hyper {}

impl<S> IntoHyperService<Tower> for S
where
    S: tower_service::Service<Request<Incoming>> + Clone,
{
    type Service = TowerToHyperService<S>;

    fn into_hyper_service(self) -> Self::Service {
        TowerToHyperService::new(self)
    }
}

impl<S> IntoHyperService<Hyper> for S
where
    S: hyper::service::Service<Request<Incoming>> + Clone,
{
    type Service = S;

    fn into_hyper_service(self) -> S {
        self
    }
}
