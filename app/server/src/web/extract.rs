//! Who is asking, and may they: extractors for handlers, and the same
//! checks for server functions (every server function is a public endpoint).

use std::{convert::Infallible, marker::PhantomData};

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::AppError;
use crate::accounts::{ssr::Identity, CurrentUser, Role};

/// The identity the session middleware found (anonymous if it did not run).
impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(identity_of(parts))
    }
}

/// The identity of a request's parts.
pub fn identity_of(parts: &Parts) -> Identity {
    parts
        .extensions
        .get::<Identity>()
        .cloned()
        .unwrap_or_default()
}

/// Who may use a protected action, and the page to come back to after
/// signing in (the page that holds the form). Declare one with [`policy!`].
pub trait Policy {
    const ROLES: &'static [Role];
    const BACK: &'static str;
}

/// Declares a [`Policy`] from one of the named role sets on [`Role`]:
/// `policy!(UnitsAdmin: ADMINS back "/admin/units");`
#[macro_export]
macro_rules! policy {
    ($(#[$meta:meta])* $name:ident: $set:ident back $back:expr) => {
        $(#[$meta])*
        pub struct $name;
        impl $crate::web::Policy for $name {
            const ROLES: &'static [$crate::accounts::Role] = $crate::accounts::Role::$set;
            const BACK: &'static str = $back;
        }
    };
}

/// The signed-in user, holding one of `P::ROLES`. Signed out: a redirect to
/// sign in; signed in without the role: 403. Deny by default.
pub struct RequireRole<P> {
    pub user: CurrentUser,
    policy: PhantomData<P>,
}

impl<P: Policy, S: Send + Sync> FromRequestParts<S> for RequireRole<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match identity_of(parts).user {
            Some(user) if P::ROLES.contains(&user.role) => Ok(RequireRole {
                user,
                policy: PhantomData,
            }),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::SignIn {
                next: P::BACK.to_string(),
            }),
        }
    }
}

/// A form body. Unreadable (not a form, a field of the wrong type) is the
/// caller's mistake: 400 with a short message, not a 422 or a 500.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => {
                tracing::debug!("unreadable form: {rejection}");
                Err(AppError::BadRequest("form"))
            }
        }
    }
}

/// The value of cookie `name` among a request's `Cookie` headers.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .flatten()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// For server functions: the identity of the request being served.
pub fn current_identity() -> Identity {
    leptos::prelude::use_context::<Parts>()
        .map(|parts| identity_of(&parts))
        .unwrap_or_default()
}

/// For server functions: the signed-in user if they hold one of `roles`.
pub fn user_with_role(roles: &[Role]) -> Result<CurrentUser, AppError> {
    match current_identity().user {
        Some(user) if roles.contains(&user.role) => Ok(user),
        _ => Err(AppError::Forbidden),
    }
}

/// For server functions and pages: the database of the request being served.
pub fn request_db() -> Result<crate::server::db::Db, AppError> {
    leptos::prelude::use_context::<crate::server::db::Db>()
        .ok_or_else(|| anyhow::anyhow!("database missing from context").into())
}
