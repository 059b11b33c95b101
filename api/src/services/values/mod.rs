//! Domain values, parsed once at the service boundary. Every door (GraphQL, the importer,
//! the demo generator) hands the services raw text; these types decide what is accepted,
//! and their errors name the field and say what would be.

mod country;
mod dates;
mod email;
mod issuer_identifier;
mod phone;
mod position;
mod web_url;

pub use country::Country;
pub use dates::{BirthDate, check_span};
pub use email::Email;
pub use issuer_identifier::IssuerIdentifier;
pub use phone::Phone;
pub use position::{LatLon, optional_position, position};
pub use web_url::WebUrl;
