//! Access to the page state from any component.

use super::state::PlaygroundState;
use yew::prelude::*;

/// The state handle shared through the root's context provider.
pub type Playground = UseReducerHandle<PlaygroundState>;

/// The page state and its dispatcher.
#[hook]
pub fn use_playground() -> Playground {
    use_context::<Playground>().expect("inside the playground's ContextProvider")
}

/// While the clock runs, a panel that is costly to lay out refreshes at most every `ms` of
/// real time: returns true when it should render afresh, false to reuse what it showed.
#[hook]
pub fn use_refresh_gate(playing: bool, ms: f64) -> bool {
    let last = use_mut_ref(|| f64::NEG_INFINITY);
    let now = js_sys::Date::now();
    if !playing || now - *last.borrow() >= ms {
        *last.borrow_mut() = now;
        true
    } else {
        false
    }
}
