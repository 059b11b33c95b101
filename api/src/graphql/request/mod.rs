//! What a GraphQL request passes before the executor sees it, whichever door it came
//! through: its persisted query looked up (`persisted`), its text parsed once and kept
//! (`parsed`), and the operation bounded and admitted (`admission`, with the refusals of
//! `limits` and `depth`), its errors before execution coded (`codes`), and
//! the media type of its answer negotiated (`media`).

pub mod admission;
pub mod codes;
pub mod consistency;
pub mod depth;
pub mod limits;
pub mod media;
pub mod parsed;
pub mod persisted;
