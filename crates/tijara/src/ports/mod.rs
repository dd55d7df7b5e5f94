//! The ports: the traits through which the engine reaches the outside world.

/// `with_*` setters for the boolean fields of a capabilities struct (which is
/// `#[non_exhaustive]`, so adapters build it from `Default` and these).
macro_rules! with_flags {
    ($ty:ident { $($(#[$doc:meta])* $name:ident => $field:ident),* $(,)? }) => {
        impl $ty {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(mut self, on: bool) -> Self {
                    self.$field = on;
                    self
                }
            )*
        }
    };
}

pub mod carrier;
pub mod payment;
pub mod runtime;
pub mod storage;
