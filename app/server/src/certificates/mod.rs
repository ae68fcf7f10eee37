//! Certificates: issued once when a person with an account completes a
//! course marked `certificate = true`; printable on A4 with a QR code that
//! points to the public `/verify/<code>` page; revocable by admins.

pub mod pages;
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the public verification page may show: nothing else about the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub code: String,
    pub holder: String,
    pub course_title: String,
    pub completed_on: String,
    pub revoked: bool,
}

/// The printable certificate, for its holder and admins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printable {
    pub verification: Verification,
    pub revoked_reason: String,
    /// The QR code of the verification address, as an SVG document.
    pub qr_svg: String,
    pub verify_url: String,
    pub can_revoke: bool,
}

/// A certificate in the holder's list on `/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCertificate {
    pub code: String,
    pub course_title: String,
    pub completed_on: String,
    pub revoked: bool,
}

/// Public: anyone holding the code may check it.
#[server]
pub async fn verify_certificate(code: String) -> Result<Option<Verification>, ServerFnError> {
    Ok(ssr::verify(&code).await?)
}

/// Holder or admin only; anyone else gets `None` (a 404), as for a wrong code.
#[server]
pub async fn printable_certificate(code: String) -> Result<Option<Printable>, ServerFnError> {
    Ok(ssr::printable(&code).await?)
}

#[server]
pub async fn my_certificates() -> Result<Vec<MyCertificate>, ServerFnError> {
    Ok(ssr::mine().await?)
}
