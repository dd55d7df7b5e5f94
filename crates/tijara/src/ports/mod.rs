//! The ports: the traits through which the engine reaches the outside world.

pub mod carrier;
pub mod payment;
pub mod runtime;
pub mod storage;
