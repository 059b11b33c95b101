//! What a GraphQL request passes before the executor sees it, whichever door it came
//! through: its persisted query looked up (`persisted`), its text parsed once and kept
//! (`parsed`), and the operation bounded and admitted (`admission`, with the refusals of
//! `limits`).

pub mod admission;
pub mod limits;
pub mod parsed;
pub mod persisted;
