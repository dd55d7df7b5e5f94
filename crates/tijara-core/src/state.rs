//! The error shared by every state machine.

/// A transition that the state machine does not allow from its current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{machine}: cannot {action} from state {from}")]
pub struct TransitionError {
    /// Which machine (`order`, `payment`, `fulfillment`, `return`).
    pub machine: &'static str,
    /// The current state.
    pub from: &'static str,
    /// The refused transition.
    pub action: &'static str,
}

pub(crate) fn refuse<T>(
    machine: &'static str,
    from: &'static str,
    action: &'static str,
) -> Result<T, TransitionError> {
    Err(TransitionError {
        machine,
        from,
        action,
    })
}
